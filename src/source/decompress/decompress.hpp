// decompress: a ByteReader that undoes gzip or zstd while streaming.
//
// DecompressingReader sits between an object's raw bytes (an S3 GET body)
// and the CSV reader. It looks at the first bytes of the raw stream, not at
// the object's name: 1f 8b is gzip, 28 b5 2f fd is zstd, anything else is
// passed through unchanged. Compressed input is decoded straight into the
// caller's buffer; uncompressed input is read straight into it too (only the
// few bytes looked at for detection are copied).
//
// Multi-member gzip (`cat a.gz b.gz`) and multi-frame zstd (`cat a.zst
// b.zst`, skippable frames included) read as the concatenation of their
// contents. Any byte after a complete gzip member must start another member
// (trailing zeros or garbage are an error, as they most likely mean a
// damaged file).
//
// Memory is fixed, whatever the compression ratio: one input buffer
// (Options::input_buffer_bytes), plus zlib's inflate state and 32 KiB window
// for gzip, or zstd's decoding context for zstd. zstd's context holds the
// frame's window, which the compressor chose: about 2-8 MiB for the zstd
// command's usual levels; frames that would need more than
// 2^zstd_window_log_max bytes are rejected rather than allocated.
//
// Errors: a corrupt or truncated stream is an Error with code
// "decompress_failed" and a message naming the format and the compressed
// offset ("truncated gzip stream at compressed byte 1234"); an error of the
// raw reader is returned as it is. Either way the reader is then unusable
// and every later read() returns the same Error. Nothing here throws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "common/byte_reader.hpp"
#include "common/result.hpp"

namespace skillsync::decompress {

enum class Format { kNone, kGzip, kZstd };

// "none", "gzip", "zstd": for logs and task status.
std::string_view to_string(Format f);

struct Options {
  // Compressed bytes read from the raw reader at a time. Values below 64 are
  // raised to 64.
  size_t input_buffer_bytes = 128 * 1024;
  // The largest zstd window accepted, as a power of two (zstd's own default
  // limit, 27, is 128 MiB; `zstd --long` or `--ultra -22` need up to 27).
  int zstd_window_log_max = 27;
};

class DecompressingReader : public ByteReader {
 public:
  // REQUIRES: raw outlives this reader, and nothing else reads from it.
  explicit DecompressingReader(ByteReader& raw, Options options = {});
  ~DecompressingReader() override;
  DecompressingReader(const DecompressingReader&) = delete;
  DecompressingReader& operator=(const DecompressingReader&) = delete;

  // Reads up to buf.size() decompressed bytes; 0 means the end of the
  // (last member's or frame's) content. Returns at least one byte unless the
  // stream has ended. REQUIRES: !buf.empty()
  Result<size_t> read(std::span<char> buf) override;

  // Reads the first bytes of the raw stream (at most 4) if that has not
  // happened yet and returns the format they show. read() calls it itself;
  // call it first to learn the format before any content is read. A raw
  // stream shorter than a magic number is kNone.
  Result<Format> detect();

  // The detected format; kNone before detection.
  Format format() const;

  // Raw (compressed) bytes consumed from the raw reader so far, whether or
  // not the decoder has used them yet (it is at most input_buffer_bytes
  // ahead): the progress to compare with the object's stored size. It equals
  // that size once read() has returned 0. For uncompressed input it is the
  // bytes returned so far plus those looked at for detection.
  uint64_t compressed_bytes_consumed() const;

  // Bytes returned by read() so far.
  uint64_t decompressed_bytes() const;

  // Heap bytes held by this reader now: its buffers and the decoder's state
  // (zstd's context and window; zlib's allocations, which are counted).
  // For tests and diagnostics.
  size_t memory_bytes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace skillsync::decompress
