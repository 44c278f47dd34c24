// decompress/decoders: the gzip and zstd stream decoders behind
// DecompressingReader (internal to the decompress module).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "common/byte_reader.hpp"
#include "common/result.hpp"

namespace skillsync::decompress {

// The compressed side: a fixed buffer refilled from the raw reader.
// Bytes buf[pos, end) are read but not yet used by the decoder.
struct CompressedInput {
  CompressedInput(ByteReader& r, size_t capacity);

  // Reads more raw bytes. REQUIRES: pos == end. Sets eof when the raw reader
  // says the stream has ended.
  Status fill();
  size_t available() const { return end - pos; }
  // Stream offset of buf[pos]: where the decoder is in the compressed bytes.
  uint64_t offset() const { return total - available(); }

  ByteReader& raw;
  std::unique_ptr<char[]> buf;
  size_t cap;
  size_t pos = 0;
  size_t end = 0;
  uint64_t total = 0;  // bytes taken from raw
  bool eof = false;
};

class Decoder {
 public:
  virtual ~Decoder() = default;
  // Decodes into out; returns the bytes written, 0 only at the end of the
  // last member or frame. Reads more input only when it has nothing to
  // return. REQUIRES: !out.empty()
  virtual Result<size_t> decode(CompressedInput& in, std::span<char> out) = 0;
  // Heap bytes the decoder holds (not counting the input buffer).
  virtual size_t memory_bytes() const = 0;
};

// Each returns an Error with code "decompress_failed" if the library cannot
// set up its state.
Result<std::unique_ptr<Decoder>> make_gzip_decoder();
Result<std::unique_ptr<Decoder>> make_zstd_decoder(int window_log_max);

}  // namespace skillsync::decompress
