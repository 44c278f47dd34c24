// csv/encoding: a ByteReader that converts a file's text encoding to UTF-8.
//
// The CSV reader reads UTF-8. EncodingReader sits in front of it (after
// decompression) and converts from the encoding named in the task's
// options:
//   utf-8         passed through unchanged (the CSV reader skips a UTF-8
//                 byte-order mark itself).
//   utf-16        the file must start with a byte-order mark, FF FE (little
//                 endian) or FE FF (big endian); the mark is dropped. A file
//                 without one is an Error with code "invalid_encoding" (an
//                 empty file is simply empty).
//   latin1        ISO-8859-1: byte b is U+00b.
//   windows-1252  as latin1, except 0x80-0x9F, which hold the characters of
//                 Windows code page 1252 (0x80 is U+20AC, the euro sign).
//
// Bytes that do not encode a character do not stop the load: each is
// replaced by the single byte 0xFF, which is never valid in UTF-8, so the
// CSV reader rejects just the row that holds it as "invalid_utf8" and goes
// on. These are: a UTF-16 surrogate without its partner (one 0xFF per
// unpaired 16-bit unit), a final odd byte of a UTF-16 file, and the five
// bytes that windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D).
// 0xFF cannot be CR, LF, a delimiter or a quote, so it never changes where
// records and fields end.
//
// Positions: the CSV reader's `byte_offset`s and bytes_consumed() then count
// bytes of the UTF-8 stream this reader produces (a UTF-16 BOM not
// included), not bytes of the file as stored; `line` numbers are the same
// in both. Progress against the object's size should come from the
// decompressing reader (compressed_bytes_consumed()) or input_bytes().
//
// Memory: one fixed input buffer. The latin1 and windows-1252 paths are a
// loop over a 256-entry table with an ASCII fast path (several hundred MB/s).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "common/byte_reader.hpp"
#include "common/result.hpp"

namespace skillsync::csv {

enum class Encoding { kUtf8, kUtf16, kLatin1, kWindows1252 };

// The option names "utf-8", "utf-16", "latin1", "windows-1252", and the
// aliases "utf8", "utf16", "iso-8859-1", "cp1252", in any case. Anything
// else is nullopt.
std::optional<Encoding> parse_encoding(std::string_view name);

// The canonical option name: "utf-8", "utf-16", "latin1", "windows-1252".
std::string_view to_string(Encoding e);

class EncodingReader : public ByteReader {
 public:
  // REQUIRES: input outlives this reader, and nothing else reads from it.
  // input_buffer_bytes below 16 is raised to 16 (tests use small values).
  EncodingReader(ByteReader& input, Encoding encoding, size_t input_buffer_bytes = 64 * 1024);
  ~EncodingReader() override;
  EncodingReader(const EncodingReader&) = delete;
  EncodingReader& operator=(const EncodingReader&) = delete;

  // Reads up to buf.size() bytes of UTF-8; 0 means the end. Returns at least
  // one byte unless the input has ended, even for a 1-byte buf (a character
  // that does not fit is handed out over several reads). An input error is
  // returned as it is, and after any error every later read() returns the
  // same Error. REQUIRES: !buf.empty()
  Result<size_t> read(std::span<char> buf) override;

  Encoding encoding() const;
  // Bytes taken from the input so far (at most one input buffer ahead of
  // what has been converted).
  uint64_t input_bytes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace skillsync::csv
