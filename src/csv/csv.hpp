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
// read buffer, whatever the size of the input (more exactly: the buffer
// starts at read_buffer_bytes and grows to at most read_buffer_bytes +
// max_record_bytes for a long record, the old and new buffers coexisting
// for a moment while it grows; each field of the widest record also costs
// about 24 bytes of bookkeeping). No heap allocation happens per record once
// the buffers have reached the size the input needs.
//
// Lines and offsets: `line` counts physical lines from 1; LF, CRLF and a lone
// CR each end one line, also inside quoted fields (so a record after a field
// with an embedded newline starts on a later line). `byte_offset` is a
// position in the input as stored, so it can be used to seek: a UTF-8 BOM is
// skipped but still counted, and after one the first record is at offset 3.
// Blank lines (nothing between two line ends) are skipped and are not
// records; a line holding only "" is a record with one empty field.
//
// Recovery after a bad record (each is reported once, as a RecordError):
//   unexpected_quote   the rest of that physical line is skipped. But if the
//                      record had already run past its first line inside a
//                      quoted field (most likely a quote left open that a
//                      later row's quote closed), only the first line is
//                      reported (column: the field whose quote ran on) and
//                      parsing resumes on the line after it, so the good rows
//                      in between are not lost.
//   unterminated_quote (the input ended inside quotes, or the record would
//                      grow past max_record_bytes inside quotes) parsing
//                      resumes at the physical line after the record's first
//                      line, so one stray quote costs one line, not the file.
//   record_too_long    the rest of the physical line is skipped without
//                      being buffered.
//   field_too_long, invalid_utf8  the record is parsed to its normal end
//                      and reported instead of returned.
// If one record has several problems, the first structural one (the first
// three) wins over field-level ones; among field-level ones, the one in the
// lowest column is reported.
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
  // A field whose text (after "" unescaping) is longer -> "field_too_long".
  size_t max_field_bytes = 64 * 1024;
  // A record whose bytes (raw, without the line end) are longer ->
  // "record_too_long", or "unterminated_quote" if it is inside quotes there.
  size_t max_record_bytes = 1024 * 1024;
  bool validate_utf8 = true;  // invalid UTF-8 -> "invalid_utf8"
  // Size of the read buffer (the buffer grows to at most max_record_bytes +
  // read_buffer_bytes while a long record is read). Tests use tiny values to
  // exercise refills; values below 16 are raised to 16.
  size_t read_buffer_bytes = 1024 * 1024;
};

// For input in another encoding than UTF-8, put a csv::EncodingReader
// (csv/encoding.hpp) in front; positions are then those of its UTF-8 output.
// csv/dialect_options.hpp builds a validated Dialect from task options.

// A record as read. The views point into the reader's buffers and are valid
// until the next call to next().
struct Record {
  std::span<const std::string_view> fields;
  uint64_t line = 0;         // 1-based physical line where the record starts
  uint64_t byte_offset = 0;  // offset of its first byte in the stream (a BOM counts)
  std::string_view raw;      // the record's bytes as in the file, without the line end
};

// Stable codes: "unterminated_quote" (the input ended inside quotes, or the
// record grew past max_record_bytes inside quotes), "unexpected_quote" (a
// quote inside an unquoted field, or text after a closing quote),
// "field_too_long", "record_too_long", "invalid_utf8". The message says what
// is wrong in plain words ("quote inside unquoted field 3").
struct RecordError {
  uint64_t line = 0;
  uint64_t byte_offset = 0;
  size_t column = 0;  // 1-based field index where the problem is; 0 = whole record
  std::string code;
  std::string message;
  std::string raw;  // the record's bytes up to its line end, cut at 4 KiB
};

// Where in a stream a reader starts: used to resume a load from a
// checkpoint, with the input opened at `byte_offset` of the file.
struct Position {
  uint64_t byte_offset = 0;  // file offset of the input's first byte
  uint64_t line = 1;         // physical line of that byte
  bool after_cr = false;     // the byte before was a CR ending a line: an LF here completes it
};

class RecordReader {
 public:
  enum class Item { kRecord, kError, kEnd };

  // REQUIRES: input outlives the reader. A dialect whose delimiter and quote
  // are equal, or either of them CR or LF, makes next() return an Error with
  // code "invalid_dialect".
  RecordReader(ByteReader& input, Dialect dialect = {}, Position start = {});
  ~RecordReader();
  RecordReader(const RecordReader&) = delete;
  RecordReader& operator=(const RecordReader&) = delete;

  // Advances to the next record. Returns kRecord (see record()), kError (see
  // error(); the bad record has been skipped) or kEnd. A failure of the
  // input itself (network, decompression) is returned as an Error and ends
  // the stream: every later call returns the same Error.
  Result<Item> next();

  // REQUIRES: the last next() returned kRecord.
  const Record& record() const;
  // REQUIRES: the last next() returned kError.
  const RecordError& error() const;

  // Bytes of the input the reader has parsed so far (for progress
  // reporting): the stream offset just past the line end of the last item
  // returned (for a CRLF, possibly just before its LF), and the input's size
  // once next() has returned kEnd. Bytes read ahead into the buffer are not
  // counted. To resume a stream, use a record's byte_offset instead.
  uint64_t bytes_consumed() const;

  // Where the next record starts: a reader created with this Position over
  // the input from this offset returns exactly the items this one would have
  // returned next (same lines, offsets and raw bytes). Valid after next()
  // returned kRecord or kError.
  Position position() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace skillsync::csv
