// Round trips through DecompressingReader: every size around the buffer
// boundaries, random raw chunk sizes and read sizes, multi-member gzip,
// multi-frame zstd, detection by magic bytes, and pass-through.
#include <gtest/gtest.h>

#include "test_util.hpp"

namespace skillsync::decompress::testing {
namespace {

const size_t kSizes[] = {0,          1,
                         2,          3,
                         4,          5,
                         63,         64,
                         65,         4095,
                         4096,       4097,
                         65535,      65536,
                         65537,      128 * 1024 - 1,
                         128 * 1024, 128 * 1024 + 1,
                         1 << 20,    (5 << 20) + 7};

struct Case {
  Format format;
  std::string (*compress)(const std::string&);
};
std::string gzip6(const std::string& s) { return gzip(s); }
std::string zstd3(const std::string& s) { return zstd(s); }
const Case kCases[] = {{Format::kGzip, &gzip6}, {Format::kZstd, &zstd3}};

TEST(RoundTrip, EverySizeThroughRandomChunksAndReads) {
  uint32_t seed = 1;
  for (const Case& c : kCases) {
    for (size_t size : kSizes) {
      const std::string data = sample(size, seed);
      const std::string packed = c.compress(data);
      // Default buffer, and the smallest one, which puts many buffer
      // boundaries inside headers, blocks and trailers.
      for (size_t input_buffer : {size_t{128 * 1024}, size_t{64}}) {
        SCOPED_TRACE(::testing::Message() << to_string(c.format) << " size " << size
                                          << " input buffer " << input_buffer);
        RandomChunkReader raw(packed, ++seed);
        DecompressingReader reader(raw, Options{.input_buffer_bytes = input_buffer});
        Result<std::string> out = drain(reader, ++seed);
        ASSERT_TRUE(out.ok()) << out.error().message;
        EXPECT_EQ(*out, data);
        EXPECT_EQ(reader.format(), c.format);
        EXPECT_EQ(reader.compressed_bytes_consumed(), packed.size());
        EXPECT_EQ(reader.decompressed_bytes(), data.size());
        // The end is sticky.
        char b;
        Result<size_t> again = reader.read(std::span<char>(&b, 1));
        ASSERT_TRUE(again.ok());
        EXPECT_EQ(*again, 0u);
      }
    }
  }
}

TEST(RoundTrip, MultiMemberGzip) {
  const std::string a = sample(100000, 1), b = sample(3, 2), c = sample(70000, 3);
  // An empty member in the middle, as `gzip < /dev/null` makes.
  const std::string packed = gzip(a) + gzip(b, 1) + gzip("") + gzip(c, 9);
  for (uint32_t seed = 0; seed < 20; ++seed) {
    RandomChunkReader raw(packed, seed, 5000);
    DecompressingReader reader(raw, Options{.input_buffer_bytes = 64 + seed * 97});
    Result<std::string> out = drain(reader, seed, 3000);
    ASSERT_TRUE(out.ok()) << out.error().message;
    EXPECT_EQ(*out, a + b + c);
    EXPECT_EQ(reader.compressed_bytes_consumed(), packed.size());
  }
}

// A frame written by the streaming API, without the content size.
std::string zstd_streamed(const std::string& data) {
  ZSTD_CCtx* c = ZSTD_createCCtx();
  std::string out(ZSTD_compressBound(data.size()) + 64, '\0');
  ZSTD_outBuffer ob{out.data(), out.size(), 0};
  ZSTD_inBuffer ib{data.data(), data.size(), 0};
  EXPECT_EQ(ZSTD_compressStream2(c, &ob, &ib, ZSTD_e_end), 0u);
  out.resize(ob.pos);
  ZSTD_freeCCtx(c);
  return out;
}

TEST(RoundTrip, MultiFrameZstdWithSkippableFrame) {
  const std::string a = sample(200000, 4), b = sample(10, 5), c = sample(1000, 6);
  std::string skippable(8 + 5, 'x');  // magic 0x184D2A50, 4-byte size, 5 bytes of payload
  std::memcpy(skippable.data(), "\x50\x2a\x4d\x18\x05\x00\x00\x00", 8);
  const std::string packed = zstd(a) + skippable + zstd_streamed(b) + zstd("") + zstd(c, 19);
  for (uint32_t seed = 0; seed < 20; ++seed) {
    RandomChunkReader raw(packed, seed, 5000);
    DecompressingReader reader(raw, Options{.input_buffer_bytes = 64 + seed * 97});
    Result<std::string> out = drain(reader, seed, 3000);
    ASSERT_TRUE(out.ok()) << out.error().message;
    EXPECT_EQ(*out, a + b + c);
  }
}

TEST(Detection, ByMagicBytesOnly) {
  struct {
    std::string raw;
    Format expected;
  } cases[] = {
      {gzip("x"), Format::kGzip},
      {zstd("x"), Format::kZstd},
      {"employee_external_id,language\n", Format::kNone},
      {"", Format::kNone},
      {"\x1f", Format::kNone},                 // shorter than the magic
      {"\x1f\x8c rest", Format::kNone},        // one bit off
      {"\x28\xb5\x2f", Format::kNone},         // three of zstd's four
      {"\x28\xb5\x2f\xfe...", Format::kNone},  // last byte off
      {std::string("\x00\x1f\x8b", 3), Format::kNone},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(::testing::PrintToString(c.raw));
    RandomChunkReader raw(c.raw, 7);
    DecompressingReader reader(raw);
    EXPECT_EQ(reader.format(), Format::kNone);  // nothing read yet
    Result<Format> f = reader.detect();
    ASSERT_TRUE(f.ok());
    EXPECT_EQ(*f, c.expected);
    EXPECT_EQ(reader.format(), c.expected);
    Result<std::string> out = drain(reader, 8);
    ASSERT_TRUE(out.ok());
    if (c.expected == Format::kNone) {
      EXPECT_EQ(*out, c.raw);
    } else {
      EXPECT_EQ(*out, "x");
    }
  }
}

TEST(Detection, DetectReadsNoMoreThanTheMagicNeeds) {
  // Plain text is ruled out by its first byte: detection takes one byte.
  RandomChunkReader raw("a,b\n1,2\n", 1, 1);
  DecompressingReader reader(raw);
  ASSERT_TRUE(reader.detect().ok());
  EXPECT_EQ(raw.position(), 1u);
  EXPECT_EQ(reader.compressed_bytes_consumed(), 1u);
}

// Records the buffers it is asked to fill.
class PointerRecordingReader : public ByteReader {
 public:
  explicit PointerRecordingReader(std::string data) : data_(std::move(data)) {}
  Result<size_t> read(std::span<char> buf) override {
    targets.push_back(buf.data());
    const size_t n = std::min(buf.size(), data_.size() - pos_);
    std::memcpy(buf.data(), data_.data() + pos_, n);
    pos_ += n;
    return n;
  }
  std::vector<const char*> targets;

 private:
  std::string data_;
  size_t pos_ = 0;
};

TEST(PassThrough, ReadsStraightIntoTheCallersBuffer) {
  const std::string data = sample(300000, 9);
  PointerRecordingReader raw("plain," + data);
  DecompressingReader reader(raw);
  std::vector<char> buf(65536);
  std::string out;
  for (;;) {
    Result<size_t> n = reader.read(buf);
    ASSERT_TRUE(n.ok());
    if (*n == 0) break;
    out.append(buf.data(), *n);
  }
  EXPECT_EQ(out, "plain," + data);
  ASSERT_GE(raw.targets.size(), 3u);
  // The first read is the detection's own; every later one is the caller's
  // buffer, untouched by any copy of ours.
  for (size_t i = 1; i < raw.targets.size(); ++i) EXPECT_EQ(raw.targets[i], buf.data());
  EXPECT_EQ(reader.compressed_bytes_consumed(), out.size());
  EXPECT_EQ(reader.format(), Format::kNone);
}

TEST(PassThrough, CompressedBytesConsumedTracksProgress) {
  const std::string data = sample(1 << 20, 10);
  const std::string packed = gzip(data);
  RandomChunkReader raw(packed, 11, 4096);
  DecompressingReader reader(raw, Options{.input_buffer_bytes = 8192});
  std::vector<char> buf(1000);
  uint64_t last = 0;
  for (;;) {
    Result<size_t> n = reader.read(buf);
    ASSERT_TRUE(n.ok());
    // Never ahead of what the raw reader handed out, nor more than one
    // input buffer ahead of the decoder.
    EXPECT_EQ(reader.compressed_bytes_consumed(), raw.position());
    EXPECT_GE(reader.compressed_bytes_consumed(), last);
    last = reader.compressed_bytes_consumed();
    if (*n == 0) break;
  }
  EXPECT_EQ(last, packed.size());
}

}  // namespace
}  // namespace skillsync::decompress::testing
