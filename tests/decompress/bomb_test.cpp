// A decompression bomb: 1 GiB of zeros, compressed to about 4.5 MB (gzip)
// or a few KB (zstd), decompresses with memory that does not grow with it.
#include <gtest/gtest.h>
#include <malloc.h>

#include "test_util.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define SKILLSYNC_HEAP_STATS 0  // ASan's allocator does not feed mallinfo2()
#else
#define SKILLSYNC_HEAP_STATS 1
#endif

namespace skillsync::decompress::testing {
namespace {

constexpr size_t kOneGiB = size_t{1} << 30;
const std::vector<char> kZeros(1 << 20, '\0');

std::string gzip_zeros(size_t n) {
  z_stream s{};
  EXPECT_EQ(deflateInit2(&s, 1, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out;
  std::vector<char> chunk(1 << 20);
  for (size_t left = n;;) {
    const size_t take = std::min(left, kZeros.size());
    s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(kZeros.data()));
    s.avail_in = static_cast<uInt>(take);
    left -= take;
    const int flush = left == 0 ? Z_FINISH : Z_NO_FLUSH;
    int ret;
    do {
      s.next_out = reinterpret_cast<Bytef*>(chunk.data());
      s.avail_out = static_cast<uInt>(chunk.size());
      ret = deflate(&s, flush);
      out.append(chunk.data(), chunk.size() - s.avail_out);
    } while (s.avail_out == 0);
    if (ret == Z_STREAM_END) break;
  }
  deflateEnd(&s);
  return out;
}

std::string zstd_zeros(size_t n) {
  ZSTD_CCtx* c = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
  std::string out;
  std::vector<char> chunk(ZSTD_CStreamOutSize());
  for (size_t left = n;;) {
    const size_t take = std::min(left, kZeros.size());
    left -= take;
    ZSTD_inBuffer ib{kZeros.data(), take, 0};
    const ZSTD_EndDirective mode = left == 0 ? ZSTD_e_end : ZSTD_e_continue;
    size_t remaining;
    do {
      ZSTD_outBuffer ob{chunk.data(), chunk.size(), 0};
      remaining = ZSTD_compressStream2(c, &ob, &ib, mode);
      EXPECT_FALSE(ZSTD_isError(remaining));
      out.append(chunk.data(), ob.pos);
    } while (mode == ZSTD_e_end ? remaining != 0 : ib.pos < ib.size);
    if (left == 0) break;
  }
  ZSTD_freeCCtx(c);
  return out;
}

size_t heap_in_use() {
#if SKILLSYNC_HEAP_STATS
  return mallinfo2().uordblks;
#else
  return 0;
#endif
}

void decompress_zeros(const std::string& packed, Format format, size_t memory_bound) {
  RandomChunkReader raw(packed, 1, 200000);
  std::vector<char> buf(1 << 20);
  const size_t heap_before = heap_in_use();
  DecompressingReader reader(raw);
  size_t total = 0, peak_memory = 0, peak_heap = 0;
  for (;;) {
    Result<size_t> n = reader.read(buf);
    ASSERT_TRUE(n.ok()) << n.error().message;
    if (*n == 0) break;
    ASSERT_EQ(std::memcmp(buf.data(), kZeros.data(), *n), 0) << "at " << total;
    total += *n;
    peak_memory = std::max(peak_memory, reader.memory_bytes());
    peak_heap = std::max(peak_heap, heap_in_use() - heap_before);
  }
  EXPECT_EQ(reader.format(), format);
  EXPECT_EQ(total, kOneGiB);
  EXPECT_EQ(reader.compressed_bytes_consumed(), packed.size());
  EXPECT_GT(peak_memory, 0u);
  EXPECT_LE(peak_memory, memory_bound);
  // The whole process heap, zlib's and zstd's own allocations included
  // (only where mallinfo2() sees them: not under ASan).
  if (SKILLSYNC_HEAP_STATS) {
    EXPECT_LE(peak_heap, memory_bound + 64 * 1024);
  }
  std::printf("%s: %zu compressed bytes -> 1 GiB, peak reader memory %zu bytes\n",
              std::string(to_string(format)).c_str(), packed.size(), peak_memory);
}

TEST(Bomb, OneGiBOfZerosGzip) {
  // 128 KiB input buffer + zlib's ~7 KiB state and 32 KiB window.
  decompress_zeros(gzip_zeros(kOneGiB), Format::kGzip, 256 * 1024);
}

TEST(Bomb, OneGiBOfZerosZstd) {
  // zstd's context with the frame's window (level 3 picks 2^21 bytes for a
  // stream of unknown size) and its ~0.5 MiB of block buffers, plus our
  // 128 KiB input buffer.
  decompress_zeros(zstd_zeros(kOneGiB), Format::kZstd, (2 << 20) + 768 * 1024);
}

}  // namespace
}  // namespace skillsync::decompress::testing
