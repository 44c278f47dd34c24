// Helpers for the decompress tests: compressors (zlib, zstd), a raw reader
// that hands out random chunk sizes, and a drain loop with random read sizes.
#pragma once

#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "common/byte_reader.hpp"
#include "source/decompress/decompress.hpp"

namespace skillsync::decompress::testing {

// One gzip member of `data` (deflate level `level`).
inline std::string gzip(const std::string& data, int level = 6) {
  z_stream s{};
  EXPECT_EQ(deflateInit2(&s, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&s, data.size()) + 64, '\0');
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  s.avail_in = static_cast<uInt>(data.size());
  s.next_out = reinterpret_cast<Bytef*>(out.data());
  s.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&s, Z_FINISH), Z_STREAM_END);
  out.resize(s.total_out);
  deflateEnd(&s);
  return out;
}

// One zstd frame of `data`, with the content size in its header and a
// checksum (as the zstd command writes it).
inline std::string zstd(const std::string& data, int level = 3) {
  ZSTD_CCtx* c = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
  std::string out(ZSTD_compressBound(data.size()), '\0');
  const size_t n = ZSTD_compress2(c, out.data(), out.size(), data.data(), data.size());
  EXPECT_FALSE(ZSTD_isError(n));
  out.resize(n);
  ZSTD_freeCCtx(c);
  return out;
}

// Reads chunks of random size (1 byte in a quarter of the reads) from data.
class RandomChunkReader : public ByteReader {
 public:
  RandomChunkReader(std::string data, uint32_t seed, size_t max_chunk = 100000)
      : data_(std::move(data)), rng_(seed), max_chunk_(max_chunk) {}

  Result<size_t> read(std::span<char> buf) override {
    EXPECT_FALSE(buf.empty());
    size_t chunk = rng_() % 4 == 0 ? 1 : 1 + rng_() % max_chunk_;
    const size_t n = std::min({buf.size(), data_.size() - pos_, chunk});
    std::memcpy(buf.data(), data_.data() + pos_, n);
    pos_ += n;
    ++reads_;
    return n;
  }
  size_t position() const { return pos_; }
  size_t reads() const { return reads_; }

 private:
  std::string data_;
  std::mt19937 rng_;
  size_t max_chunk_;
  size_t pos_ = 0;
  size_t reads_ = 0;
};

// Reads to the end with read sizes drawn from [1, max_read]; returns the
// content, or the Error.
inline Result<std::string> drain(ByteReader& r, uint32_t seed, size_t max_read = 70000) {
  std::mt19937 rng(seed);
  std::string out;
  std::vector<char> buf(max_read);
  for (int guard = 0;; ++guard) {
    const size_t want = rng() % 3 == 0 ? 1 : 1 + rng() % max_read;
    Result<size_t> n = r.read(std::span<char>(buf.data(), want));
    if (!n.ok()) return n.error();
    if (*n == 0) return out;
    EXPECT_LE(*n, want);
    out.append(buf.data(), *n);
  }
}

// Mixed content: runs of text (compressible) and random bytes.
inline std::string sample(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s;
  s.reserve(n);
  while (s.size() < n) {
    if (rng() % 2 == 0) {
      s += "employee-" + std::to_string(rng() % 1000) + ",en,learning-" + std::to_string(rng()) +
           ",2021-01-01T00:00:00Z\n";
    } else {
      for (int k = rng() % 64; k > 0; --k) s += static_cast<char>(rng());
    }
  }
  s.resize(n);
  return s;
}

}  // namespace skillsync::decompress::testing
