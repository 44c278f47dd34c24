// csv: a streaming RFC 4180 reader.
//
// RecordReader pulls bytes from a ByteReader through a bounded buffer and
// yields one record at a time. A malformed record is not an exception and
// does not stop the reader: it is returned as a RecordError (a bad row is
// data) and the reader resynchronises on the next record.
//
// Accepted: quoted fields, "" escapes, delimiters and newlines inside quotes,
// CRLF or LF (or a lone CR) line ends, a UTF-8 byte-order mark at the start,
// a missing final newline. Memory is bounded by max_record_bytes plus the
// read buffer, whatever the size of the input.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/byte_reader.hpp"
#include "common/result.hpp"

namespace skillsync::csv {

struct Dialect {
  char delimiter = ',';
  char quote = '"';
  size_t max_field_bytes = 64 * 1024;     // a longer field -> "field_too_long"
  size_t max_record_bytes = 1024 * 1024;  // a longer record -> "record_too_long"
  bool validate_utf8 = true;              // invalid UTF-8 -> "invalid_utf8"
};

// A record as read. The views point into the reader's buffers and are valid
// until the next call to next().
struct Record {
  std::span<const std::string_view> fields;
  uint64_t line = 0;         // 1-based physical line where the record starts
  uint64_t byte_offset = 0;  // offset of its first byte in the stream (after any BOM)
  std::string_view raw;      // the record's bytes as in the file, without the line end
};

// Stable codes: "unterminated_quote" (the input ended inside quotes),
// "unexpected_quote" (a quote inside an unquoted field, or text after a
// closing quote), "field_too_long", "record_too_long", "invalid_utf8".
struct RecordError {
  uint64_t line = 0;
  uint64_t byte_offset = 0;
  size_t column = 0;  // 1-based field index where the problem is; 0 = whole record
  std::string code;
  std::string message;
  std::string raw;  // the record's bytes, cut at 4 KiB
};

class RecordReader {
 public:
  enum class Item { kRecord, kError, kEnd };

  // REQUIRES: input outlives the reader.
  RecordReader(ByteReader& input, Dialect dialect = {});
  ~RecordReader();
  RecordReader(const RecordReader&) = delete;
  RecordReader& operator=(const RecordReader&) = delete;

  // Advances to the next record. Returns kRecord (see record()), kError (see
  // error(); the bad record has been skipped) or kEnd. A failure of the
  // input itself (network, decompression) is returned as an Error and ends
  // the stream.
  Result<Item> next();

  const Record& record() const;
  const RecordError& error() const;

  // Bytes consumed from the input so far (for progress reporting).
  uint64_t bytes_consumed() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace skillsync::csv
