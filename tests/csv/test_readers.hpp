// ByteReaders backed by strings, and a helper that reads a whole stream into
// comparable values, for the csv tests.
#pragma once

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/byte_reader.hpp"
#include "csv/csv.hpp"

namespace skillsync::csv::testing {

// Returns chunks of the string; chunk_sizes is cycled (empty: all at once).
class ChunkedReader : public ByteReader {
 public:
  ChunkedReader(std::string data, std::vector<size_t> chunk_sizes)
      : data_(std::move(data)), chunks_(std::move(chunk_sizes)) {}

  Result<size_t> read(std::span<char> buf) override {
    size_t n = std::min(buf.size(), data_.size() - pos_);
    if (!chunks_.empty()) {
      n = std::min(n, std::max<size_t>(1, chunks_[next_chunk_++ % chunks_.size()]));
    }
    std::memcpy(buf.data(), data_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  std::string data_;
  std::vector<size_t> chunks_;
  size_t pos_ = 0;
  size_t next_chunk_ = 0;
};

// Returns as much of the string as the caller asks for.
class StringReader : public ChunkedReader {
 public:
  explicit StringReader(std::string data) : ChunkedReader(std::move(data), {}) {}
};

// One item of the stream, owning its bytes.
struct Item {
  bool is_error = false;
  std::vector<std::string> fields;  // records only
  uint64_t line = 0;
  uint64_t byte_offset = 0;
  std::string raw;
  size_t column = 0;  // errors only
  std::string code;   // errors only
  std::string message;

  bool operator==(const Item&) const = default;
};

inline std::ostream& operator<<(std::ostream& os, const Item& it) {
  os << (it.is_error
             ? "error{" + it.code + " col " + std::to_string(it.column) + " '" + it.message + "'"
             : std::string("record{"));
  for (const auto& f : it.fields) os << "[" << f << "]";
  return os << " line " << it.line << " @" << it.byte_offset << " raw '" << it.raw << "'}";
}

// Reads to the end (or to an input error, which is appended as an error item
// with code "input:<code>").
inline std::vector<Item> read_all(RecordReader& reader) {
  std::vector<Item> items;
  for (;;) {
    Result<RecordReader::Item> r = reader.next();
    if (!r.ok()) {
      Item it;
      it.is_error = true;
      it.code = "input:" + r.error().code;
      items.push_back(it);
      return items;
    }
    if (*r == RecordReader::Item::kEnd) return items;
    Item it;
    if (*r == RecordReader::Item::kRecord) {
      const Record& rec = reader.record();
      for (std::string_view f : rec.fields) it.fields.emplace_back(f);
      it.line = rec.line;
      it.byte_offset = rec.byte_offset;
      it.raw = rec.raw;
    } else {
      const RecordError& e = reader.error();
      it.is_error = true;
      it.line = e.line;
      it.byte_offset = e.byte_offset;
      it.raw = e.raw;
      it.column = e.column;
      it.code = e.code;
      it.message = e.message;
    }
    items.push_back(std::move(it));
  }
}

inline std::vector<Item> read_all(std::string data, Dialect dialect = {},
                                  std::vector<size_t> chunks = {}) {
  ChunkedReader in(std::move(data), std::move(chunks));
  RecordReader reader(in, dialect);
  return read_all(reader);
}

inline Item rec(std::vector<std::string> fields, uint64_t line, uint64_t offset, std::string raw) {
  Item it;
  it.fields = std::move(fields);
  it.line = line;
  it.byte_offset = offset;
  it.raw = std::move(raw);
  return it;
}

}  // namespace skillsync::csv::testing

namespace skillsync::csv::testing {

inline Item err(std::string code, size_t column, uint64_t line, uint64_t offset, std::string raw,
                std::string message) {
  Item it;
  it.is_error = true;
  it.code = std::move(code);
  it.column = column;
  it.line = line;
  it.byte_offset = offset;
  it.raw = std::move(raw);
  it.message = std::move(message);
  return it;
}

}  // namespace skillsync::csv::testing
