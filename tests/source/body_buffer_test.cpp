// source/s3: BodyBuffer keeps one allocation of high_water + chunk bytes
// however long the download and whatever the reader's pace, and hands the
// bytes over in order.
#include "source/s3/body_buffer.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace skillsync::source::s3 {
namespace {

constexpr size_t kHighWater = 1 << 20;
constexpr size_t kChunk = 64 << 10;

// A producer that appends chunks of up to kChunk bytes while the buffer is
// not full, and a reader that takes random amounts, for `bytes` bytes.
void download(BodyBuffer& b, size_t bytes, uint32_t seed, size_t max_take) {
  std::mt19937 rng(seed);
  std::string chunk;
  size_t sent = 0;
  size_t got = 0;
  std::vector<char> out(max_take);
  while (got < bytes) {
    while (sent < bytes && !b.full()) {
      const size_t len = std::min<size_t>(bytes - sent, 1 + rng() % kChunk);
      chunk.resize(len);
      for (size_t i = 0; i < len; ++i) chunk[i] = static_cast<char>((sent + i) % 251);
      b.append(chunk.data(), len);
      sent += len;
      ASSERT_EQ(b.capacity(), kHighWater + kChunk) << "after " << sent << " bytes";
    }
    const size_t n = b.take(std::span<char>(out.data(), 1 + rng() % max_take));
    for (size_t i = 0; i < n; ++i) {
      ASSERT_EQ(out[i], static_cast<char>((got + i) % 251)) << "byte " << got + i;
    }
    got += n;
  }
  EXPECT_EQ(b.unread(), 0u);
}

TEST(BodyBuffer, ALongDownloadKeepsOneAllocationWhateverTheReadersPace) {
  for (const size_t max_take : {size_t{100}, size_t{64} << 10, size_t{3} << 20}) {
    BodyBuffer b(kHighWater, kChunk);
    download(b, size_t{40} << 20, static_cast<uint32_t>(max_take), max_take);
    EXPECT_EQ(b.capacity(), kHighWater + kChunk) << "reads of up to " << max_take;
  }
}

TEST(BodyBuffer, IsFullAtTheHighWaterMarkUntilTheReaderTakesSome) {
  BodyBuffer b(4, 2);
  b.append("ab", 2);
  EXPECT_FALSE(b.full());
  b.append("cd", 2);
  EXPECT_TRUE(b.full());
  char out[3];
  EXPECT_EQ(b.take(out), 3u);
  EXPECT_EQ(std::string(out, 3), "abc");
  EXPECT_FALSE(b.full());
  b.append("ef", 2);  // moves "d" to the front instead of growing
  EXPECT_EQ(b.capacity(), 6u);
  EXPECT_EQ(b.take(out), 3u);
  EXPECT_EQ(std::string(out, 3), "def");
  EXPECT_EQ(b.take(out), 0u);
}

TEST(BodyBuffer, AChunkLargerThanPromisedGrowsItToExactlyWhatItNeeds) {
  BodyBuffer b(4, 2);
  b.append("abc", 3);
  b.append("0123456789", 10);
  EXPECT_EQ(b.capacity(), 13u);
  char out[16];
  EXPECT_EQ(b.take(out), 13u);
  EXPECT_EQ(std::string(out, 13), "abc0123456789");
}

}  // namespace
}  // namespace skillsync::source::s3
