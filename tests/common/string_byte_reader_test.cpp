#include "common/string_byte_reader.hpp"

#include <gtest/gtest.h>

#include <string>

namespace skillsync {
namespace {

// Reads `r` to the end with a buffer of `buf_size`, recording each read's size.
std::string drain(StringByteReader& r, size_t buf_size, std::vector<size_t>* sizes) {
  std::string out;
  std::string buf(buf_size, '\0');
  for (;;) {
    auto n = r.read(buf);
    EXPECT_TRUE(n.ok());
    if (!n.ok()) break;
    sizes->push_back(*n);
    if (*n == 0) break;
    out.append(buf.data(), *n);
  }
  return out;
}

TEST(StringByteReader, ServesTheWholeStringAsTheCallerAsks) {
  StringByteReader r(std::string("hello, world", 12));
  std::vector<size_t> sizes;
  EXPECT_EQ(drain(r, 5, &sizes), "hello, world");
  EXPECT_EQ(sizes, (std::vector<size_t>{5, 5, 2, 0}));
  EXPECT_EQ(r.position(), 12u);
  EXPECT_EQ(r.data(), "hello, world");
  // The end stays the end.
  char c;
  EXPECT_EQ(*r.read(std::span<char>(&c, 1)), 0u);
}

TEST(StringByteReader, ChunkLimitMakesShortReads) {
  StringByteReader r(std::string(10, 'x') + std::string("\0y", 2), 4);
  std::vector<size_t> sizes;
  EXPECT_EQ(drain(r, 64, &sizes), std::string(10, 'x') + std::string("\0y", 2));
  EXPECT_EQ(sizes, (std::vector<size_t>{4, 4, 4, 0}));
}

TEST(StringByteReader, EmptyStringEndsAtOnce) {
  StringByteReader r("");
  std::vector<size_t> sizes;
  EXPECT_EQ(drain(r, 8, &sizes), "");
  EXPECT_EQ(sizes, (std::vector<size_t>{0}));
}

}  // namespace
}  // namespace skillsync
