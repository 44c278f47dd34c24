// fuzz_csv_reader: csv::RecordReader, optionally behind csv::EncodingReader.
//
// Input: a 6-byte header, then the file.
//   [0] bits 0-1 delimiter (, ; tab |), bit 2 quote ' instead of ",
//       bit 3 validate_utf8 off, bits 4-5 encoding (utf-8, utf-16, latin1,
//       windows-1252), bit 6 read through an EncodingReader, bit 7 make the
//       input fail part-way (as a network stream can)
//   [1] max_field_bytes (0: the default)     [2] max_record_bytes / 2 (0: default)
//   [3] read_buffer_bytes (0: 4096)          [4] chunk sizes of the input
//   [5] EncodingReader buffer size, and where the injected failure happens
//
// Each input is read twice: once the simple way (the whole text, a large
// buffer) as the reference, once the hard way (tiny chunks, a tiny buffer,
// small output reads from the EncodingReader, maybe a failure). Checks:
//   - the hard way returns exactly the reference's items (a prefix of them,
//     then the input's Error, when the input fails; the Error then repeats);
//   - every item's raw is the text at its byte_offset, offsets increase, and
//     line is 1 + the line ends before byte_offset (so lines never decrease);
//   - fields respect the dialect's limits, valid UTF-8 when validated, and
//     an unquoted record's fields joined by the delimiter are its raw;
//   - bytes_consumed() never decreases and is the text's size at the end;
//   - the reader terminates (items are bounded by the text's size);
//   - EncodingReader: its output is the same whatever the chunking; utf-8
//     passes through, latin1 is valid UTF-8 of the right size, and the other
//     encodings give valid UTF-8 except for the documented 0xFF markers.
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "csv/csv.hpp"
#include "csv/encoding.hpp"
#include "fuzz_util.hpp"

namespace skillsync::fuzz {
namespace {

constexpr size_t kHeaderBytes = 6;

struct Config {
  csv::Dialect dialect;
  bool use_encoding = false;
  csv::Encoding encoding = csv::Encoding::kUtf8;
  bool inject_failure = false;
  std::vector<size_t> chunks;
  size_t encoding_buffer = 16;
  uint8_t failure_seed = 0;
};

Config decode_header(const uint8_t* h) {
  static constexpr std::array<char, 4> kDelimiters = {',', ';', '\t', '|'};
  static constexpr std::array<csv::Encoding, 4> kEncodings = {
      csv::Encoding::kUtf8, csv::Encoding::kUtf16, csv::Encoding::kLatin1,
      csv::Encoding::kWindows1252};
  Config c;
  c.dialect.delimiter = kDelimiters[h[0] & 3];
  c.dialect.quote = (h[0] & 4) != 0 ? '\'' : '"';
  c.dialect.validate_utf8 = (h[0] & 8) == 0;
  c.encoding = kEncodings[(h[0] >> 4) & 3];
  c.use_encoding = (h[0] & 0x40) != 0;
  c.inject_failure = (h[0] & 0x80) != 0;
  if (h[1] != 0) c.dialect.max_field_bytes = h[1];
  if (h[2] != 0) c.dialect.max_record_bytes = size_t{2} * h[2];
  c.dialect.read_buffer_bytes = h[3] != 0 ? h[3] : 4096;
  c.chunks = chunk_pattern(h[4]);
  c.encoding_buffer = h[5];
  c.failure_seed = h[5];
  return c;
}

// One item of the stream, owning its bytes, so two runs can be compared.
struct Item {
  bool is_error = false;
  std::vector<std::string> fields;
  uint64_t line = 0;
  uint64_t byte_offset = 0;
  std::string raw;
  size_t column = 0;
  std::string code;

  bool operator==(const Item&) const = default;
};

std::string describe(const Item& it) {
  std::string s = it.is_error ? "error " + it.code + " col " + std::to_string(it.column)
                              : "record of " + std::to_string(it.fields.size()) + " fields";
  return s + " line " + std::to_string(it.line) + " @" + std::to_string(it.byte_offset) + " raw '" +
         escape(it.raw) + "'";
}

struct Run {
  std::vector<Item> items;
  std::optional<Error> input_error;  // how the stream ended, if not with kEnd
};

// Checks one item against the text the reader saw, and the previous item.
class ItemChecker {
 public:
  ItemChecker(std::string_view text, const csv::Dialect& d) : text_(text), d_(d) {}

  void check(const Item& it) {
    const std::string what = describe(it);
    FUZZ_CHECK(it.byte_offset <= text_.size(), what);
    FUZZ_CHECK(it.raw.size() <= text_.size() - it.byte_offset, what);
    FUZZ_CHECK(text_.substr(it.byte_offset, it.raw.size()) == it.raw,
               what + " but the text there is '" +
                   escape(text_.substr(it.byte_offset, it.raw.size())) + "'");
    FUZZ_CHECK(!seen_any_ || it.byte_offset > last_offset_,
               what + " after an item @" + std::to_string(last_offset_));
    // Lines: 1 + the line ends (LF, CRLF, lone CR) before the item.
    for (; counted_to_ < it.byte_offset; ++counted_to_) {
      const char c = text_[counted_to_];
      if (c == '\r' || (c == '\n' && (counted_to_ == 0 || text_[counted_to_ - 1] != '\r'))) {
        ++line_ends_;
      }
    }
    FUZZ_CHECK(it.line == line_ends_ + 1,
               what + ", expected line " + std::to_string(line_ends_ + 1));
    FUZZ_CHECK(it.line >= last_line_, what);
    last_line_ = it.line;
    last_offset_ = it.byte_offset;
    seen_any_ = true;

    if (it.is_error) {
      static constexpr std::array<std::string_view, 5> kCodes = {
          "unterminated_quote", "unexpected_quote", "field_too_long", "record_too_long",
          "invalid_utf8"};
      FUZZ_CHECK(std::find(kCodes.begin(), kCodes.end(), it.code) != kCodes.end(), what);
      FUZZ_CHECK(it.raw.size() <= 4096, what);
      return;
    }
    FUZZ_CHECK(!it.raw.empty(), what + ": a blank line must not be a record");
    FUZZ_CHECK(!it.fields.empty(), what);
    FUZZ_CHECK(it.raw.size() <= d_.max_record_bytes, what);
    std::string joined;
    for (size_t i = 0; i < it.fields.size(); ++i) {
      const std::string& f = it.fields[i];
      FUZZ_CHECK(f.size() <= d_.max_field_bytes, what + " field " + std::to_string(i + 1));
      FUZZ_CHECK(!d_.validate_utf8 || is_valid_utf8(f), what + " field " + std::to_string(i + 1));
      if (i > 0) joined.push_back(d_.delimiter);
      joined.append(f);
    }
    if (it.raw.find(d_.quote) == std::string::npos) {
      FUZZ_CHECK(joined == it.raw, what + " but its fields join to '" + escape(joined) + "'");
    }
  }

 private:
  std::string_view text_;
  const csv::Dialect& d_;
  uint64_t counted_to_ = 0;
  uint64_t line_ends_ = 0;
  uint64_t last_line_ = 0;
  uint64_t last_offset_ = 0;
  bool seen_any_ = false;
};

// Reads every item. `text` is what the reader sees (after decoding); items
// are checked against it as they come.
Run read_all(ByteReader& input, const csv::Dialect& dialect, std::string_view text) {
  Run run;
  csv::RecordReader reader(input, dialect);
  ItemChecker checker(text, dialect);
  uint64_t consumed = 0;
  // Every item but the last ends at a line end, so there are at most one
  // more items than bytes; more means the reader is looping.
  const size_t max_items = text.size() + 2;
  for (;;) {
    Result<csv::RecordReader::Item> r = reader.next();
    FUZZ_CHECK(reader.bytes_consumed() >= consumed, "bytes_consumed() went down");
    consumed = reader.bytes_consumed();
    if (!r.ok()) {
      run.input_error = r.error();
      for (int i = 0; i < 3; ++i) {
        Result<csv::RecordReader::Item> again = reader.next();
        FUZZ_CHECK(!again.ok() && again.error() == r.error(),
                   "after an input Error, next() must return the same Error");
      }
      return run;
    }
    if (*r == csv::RecordReader::Item::kEnd) {
      FUZZ_CHECK(consumed == text.size(), "bytes_consumed() " + std::to_string(consumed) +
                                              " at the end of a text of " +
                                              std::to_string(text.size()) + " bytes");
      Result<csv::RecordReader::Item> again = reader.next();
      FUZZ_CHECK(again.ok() && *again == csv::RecordReader::Item::kEnd,
                 "next() after kEnd must return kEnd again");
      return run;
    }
    Item it;
    if (*r == csv::RecordReader::Item::kRecord) {
      const csv::Record& rec = reader.record();
      for (std::string_view f : rec.fields) it.fields.emplace_back(f);
      it.line = rec.line;
      it.byte_offset = rec.byte_offset;
      it.raw = rec.raw;
    } else {
      const csv::RecordError& e = reader.error();
      it.is_error = true;
      it.line = e.line;
      it.byte_offset = e.byte_offset;
      it.raw = e.raw;
      it.column = e.column;
      it.code = e.code;
      FUZZ_CHECK(!e.message.empty(), describe(it) + " has no message");
    }
    checker.check(it);
    run.items.push_back(std::move(it));
    FUZZ_CHECK(run.items.size() <= max_items, "more items than bytes: the reader loops");
  }
}

// Drains an EncodingReader with output reads of varied sizes (down to 1).
Result<std::string> decode_all(ByteReader& reader, const std::vector<size_t>& out_sizes,
                               size_t limit) {
  std::string out;
  std::vector<char> buf(4096);
  for (size_t i = 0;; ++i) {
    const size_t want = out_sizes.empty() ? buf.size() : out_sizes[i % out_sizes.size()];
    Result<size_t> n = reader.read(std::span<char>(buf.data(), std::min(want, buf.size())));
    if (!n.ok()) {
      Result<size_t> again = reader.read(std::span<char>(buf.data(), 1));
      FUZZ_CHECK(!again.ok() && again.error() == n.error(),
                 "after an Error, EncodingReader::read must return the same Error");
      return n.error();
    }
    if (*n == 0) {
      Result<size_t> again = reader.read(std::span<char>(buf.data(), 1));
      FUZZ_CHECK(again.ok() && *again == 0, "read() after the end must return 0 again");
      return out;
    }
    out.append(buf.data(), *n);
    FUZZ_CHECK(out.size() <= limit, "EncodingReader produced more than 3 bytes per input byte");
  }
}

size_t count_bytes(std::string_view s, std::initializer_list<unsigned char> which) {
  size_t n = 0;
  for (char c : s) {
    n += std::find(which.begin(), which.end(), static_cast<unsigned char>(c)) != which.end();
  }
  return n;
}

size_t high_bytes(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += static_cast<unsigned char>(c) >= 0x80;
  return n;
}

std::string without_ff(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (static_cast<unsigned char>(c) != 0xFF) out.push_back(c);
  }
  return out;
}

// What the documentation promises about the whole decoded text.
void check_decoded(std::string_view file, csv::Encoding enc, const Result<std::string>& decoded) {
  const std::string name(csv::to_string(enc));
  if (enc == csv::Encoding::kUtf16 && !file.empty() && !file.starts_with("\xFF\xFE") &&
      !file.starts_with("\xFE\xFF")) {
    FUZZ_CHECK(!decoded.ok() && decoded.error().code == "invalid_encoding",
               "utf-16 without a byte-order mark must fail with invalid_encoding");
    return;
  }
  FUZZ_CHECK(decoded.ok(), name + ": " + (decoded.ok() ? "" : decoded.error().code));
  const std::string& u = *decoded;
  switch (enc) {
    case csv::Encoding::kUtf8:
      FUZZ_CHECK(u == file, "utf-8 must pass through unchanged");
      break;
    case csv::Encoding::kLatin1:
      FUZZ_CHECK(is_valid_utf8(u), "latin1 output is not UTF-8: " + escape(u));
      FUZZ_CHECK(u.size() == file.size() + high_bytes(file), "latin1 output has the wrong size");
      break;
    case csv::Encoding::kWindows1252:
      FUZZ_CHECK(count_bytes(u, {0xFF}) == count_bytes(file, {0x81, 0x8D, 0x8F, 0x90, 0x9D}),
                 "windows-1252: one 0xFF per undefined byte, and no other");
      FUZZ_CHECK(is_valid_utf8(without_ff(u)), "windows-1252 output is not UTF-8: " + escape(u));
      break;
    case csv::Encoding::kUtf16:
      FUZZ_CHECK(is_valid_utf8(without_ff(u)), "utf-16 output is not UTF-8: " + escape(u));
      break;
  }
}

void check_same_prefix(const Run& hard, const Run& reference, bool may_fail) {
  if (!hard.input_error) {
    FUZZ_CHECK(!reference.input_error, "the chunked read ended but the reference failed");
    FUZZ_CHECK(hard.items.size() == reference.items.size(),
               std::to_string(hard.items.size()) + " items read in chunks, " +
                   std::to_string(reference.items.size()) + " in one piece");
  } else {
    FUZZ_CHECK(
        may_fail || reference.input_error,
        "unexpected input error " + hard.input_error->code + ": " + hard.input_error->message);
    FUZZ_CHECK(hard.items.size() <= reference.items.size(),
               "more items before the failure than in the whole reference");
  }
  for (size_t i = 0; i < hard.items.size(); ++i) {
    FUZZ_CHECK(hard.items[i] == reference.items[i],
               "item " + std::to_string(i) + " differs: chunked " + describe(hard.items[i]) +
                   " vs reference " + describe(reference.items[i]));
  }
}

}  // namespace
}  // namespace skillsync::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace skillsync;
  using namespace skillsync::fuzz;
  if (size < kHeaderBytes) return 0;
  const Config cfg = decode_header(data);
  const std::string_view file(reinterpret_cast<const char*>(data) + kHeaderBytes,
                              size - kHeaderBytes);

  // The text the CSV reader sees: the file, or its decoding read in one go.
  std::string decoded_text;
  std::optional<Error> decode_error;
  std::string_view text = file;
  if (cfg.use_encoding) {
    ChunkedReader whole(file, {});
    csv::EncodingReader enc(whole, cfg.encoding);
    Result<std::string> decoded = decode_all(enc, {}, 3 * file.size() + 16);
    check_decoded(file, cfg.encoding, decoded);
    // The same decoding through tiny input chunks, a tiny buffer and small reads.
    ChunkedReader chunked(file, cfg.chunks);
    csv::EncodingReader enc2(chunked, cfg.encoding, cfg.encoding_buffer);
    Result<std::string> decoded2 = decode_all(enc2, {1, 2, 3, 7, 1, 64}, 3 * file.size() + 16);
    FUZZ_CHECK(decoded.ok() == decoded2.ok(), "chunking changed whether decoding fails");
    if (decoded.ok()) {
      FUZZ_CHECK(*decoded == *decoded2, "chunking changed the decoded text: '" + escape(*decoded) +
                                            "' vs '" + escape(*decoded2) + "'");
      FUZZ_CHECK(enc2.input_bytes() == file.size(), "input_bytes() at the end is not the size");
      decoded_text = std::move(*decoded);
      text = decoded_text;
    } else {
      decode_error = decoded.error();
      text = {};
    }
  }

  // The reference: the whole text at once with a generous buffer.
  csv::Dialect reference_dialect = cfg.dialect;
  reference_dialect.read_buffer_bytes = 64 * 1024;
  ChunkedReader whole_text(text, {});
  Run reference = read_all(whole_text, reference_dialect, text);
  FUZZ_CHECK(!reference.input_error, "a string reader cannot fail");
  if (decode_error) reference.input_error = decode_error;

  // The hard way, from the file itself.
  const uint64_t fail_at =
      cfg.inject_failure ? (uint64_t{cfg.failure_seed} * 7) % (size + 1) : ChunkedReader::kNever;
  ChunkedReader raw(file, cfg.chunks, fail_at);
  Run hard;
  if (cfg.use_encoding) {
    csv::EncodingReader enc(raw, cfg.encoding, cfg.encoding_buffer);
    hard = read_all(enc, cfg.dialect, text);
  } else {
    hard = read_all(raw, cfg.dialect, text);
  }
  check_same_prefix(hard, reference, cfg.inject_failure);
  if (hard.input_error) {
    const bool expected = hard.input_error->code == "injected_fault" ||
                          (decode_error && hard.input_error->code == decode_error->code);
    FUZZ_CHECK(expected, "unexpected input error " + hard.input_error->code);
  }
  return 0;
}
