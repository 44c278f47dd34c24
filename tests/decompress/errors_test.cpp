// Corrupt, truncated and otherwise broken input: always an Error with code
// "decompress_failed" (or the raw reader's own), never a crash or a hang.
#include <gtest/gtest.h>

#include "test_util.hpp"

namespace skillsync::decompress::testing {
namespace {

Result<std::string> decompress(const std::string& packed, uint32_t seed = 1,
                               size_t input_buffer = 128 * 1024) {
  RandomChunkReader raw(packed, seed, 3000);
  DecompressingReader reader(raw, Options{.input_buffer_bytes = input_buffer});
  return drain(reader, seed, 3000);
}

void expect_failure(const Result<std::string>& r, const std::string& words) {
  ASSERT_FALSE(r.ok()) << "decompressed " << r->size() << " bytes";
  EXPECT_EQ(r.error().code, "decompress_failed");
  EXPECT_NE(r.error().message.find(words), std::string::npos) << r.error().message;
}

TEST(Truncated, EveryPrefixOfAGzipStream) {
  const std::string data = sample(20000, 1);
  const std::string packed = gzip(data);
  for (size_t n = 2; n < packed.size(); ++n) {
    SCOPED_TRACE(n);
    expect_failure(decompress(packed.substr(0, n), static_cast<uint32_t>(n), 64 + n % 300),
                   "truncated gzip stream");
  }
}

TEST(Truncated, EveryPrefixOfAZstdStream) {
  const std::string data = sample(20000, 2);
  const std::string packed = zstd(data);
  for (size_t n = 4; n < packed.size(); ++n) {
    SCOPED_TRACE(n);
    expect_failure(decompress(packed.substr(0, n), static_cast<uint32_t>(n), 64 + n % 300),
                   "truncated zstd stream");
  }
}

TEST(Truncated, SecondMemberCut) {
  const std::string packed = gzip("first\n") + gzip("second\n");
  expect_failure(decompress(packed.substr(0, packed.size() - 3)), "truncated gzip stream");
  const std::string zpacked = zstd("first\n") + zstd("second\n");
  expect_failure(decompress(zpacked.substr(0, zpacked.size() - 1)), "truncated zstd stream");
}

TEST(Truncated, MessageSaysWhere) {
  const std::string packed = gzip("hello world, hello world\n");
  Result<std::string> r = decompress(packed.substr(0, 12));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "truncated gzip stream: it ends at compressed byte 12 inside a member");
}

TEST(Corrupt, GarbageAfterTheMagic) {
  expect_failure(decompress(std::string("\x1f\x8b\x09\x00garbage-garbage-garbage", 27)),
                 "corrupt gzip stream");
  expect_failure(decompress("\x28\xb5\x2f\xfd garbage garbage garbage"), "corrupt zstd stream");
}

TEST(Corrupt, TrailingBytesAfterTheLastMember) {
  const std::string packed = gzip(sample(1000, 3));
  expect_failure(decompress(packed + std::string(512, '\0')), "corrupt gzip stream");
  expect_failure(decompress(packed + "trailing text\n"), "corrupt gzip stream");
  expect_failure(decompress(zstd("abc") + "trailing text\n"), "corrupt zstd stream");
}

TEST(Corrupt, ChecksumMismatch) {
  const std::string data = sample(5000, 4);
  std::string packed = gzip(data);
  packed[packed.size() - 6] ^= 0x55;  // inside the CRC-32 of the trailer
  expect_failure(decompress(packed), "incorrect data check");
  std::string zpacked = zstd(data);
  zpacked[zpacked.size() - 1] ^= 0x55;  // inside the frame's checksum
  expect_failure(decompress(zpacked), "corrupt zstd stream");
}

// Flips bytes all over valid streams: each run must end (an Error or some
// output), whatever the read sizes. gzip's CRC catches every change in the
// compressed data; zstd's checksum is checked too, but a flip in a header
// may still decode, so only termination is asserted there.
TEST(Corrupt, RandomFlipsNeverCrashOrHang) {
  const std::string data = sample(60000, 5);
  const std::string packed[] = {gzip(data), zstd(data), gzip(data) + gzip(data)};
  std::mt19937 rng(6);
  for (const std::string& p : packed) {
    for (int iter = 0; iter < 300; ++iter) {
      std::string bad = p;
      for (int k = 1 + rng() % 3; k > 0; --k) {
        bad[4 + rng() % (bad.size() - 4)] ^= static_cast<char>(1 + rng() % 255);
      }
      Result<std::string> r = decompress(bad, rng(), 64 + rng() % 5000);
      if (!r.ok()) {
        EXPECT_EQ(r.error().code, "decompress_failed");
      } else if (p[0] == '\x1f') {
        ADD_FAILURE() << "a corrupt gzip stream decoded";
      }
    }
  }
}

TEST(Corrupt, ZstdWindowLargerThanTheLimit) {
  // A streamed frame (no content size) asking for a 2^24 byte window.
  ZSTD_CCtx* c = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(c, ZSTD_c_windowLog, 24);
  const std::string data = sample(100000, 7);
  std::string out(ZSTD_compressBound(data.size()) + 64, '\0');
  ZSTD_outBuffer ob{out.data(), out.size(), 0};
  ZSTD_inBuffer ib{data.data(), data.size(), 0};
  // e_continue first: the frame starts before the input's size is known.
  ASSERT_FALSE(ZSTD_isError(ZSTD_compressStream2(c, &ob, &ib, ZSTD_e_continue)));
  ASSERT_EQ(ZSTD_compressStream2(c, &ob, &ib, ZSTD_e_end), 0u);
  out.resize(ob.pos);
  ZSTD_freeCCtx(c);

  RandomChunkReader raw(out, 1);
  DecompressingReader limited(raw, Options{.zstd_window_log_max = 20});
  Result<std::string> r = drain(limited, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "decompress_failed");
  EXPECT_EQ(r.error().message.find("corrupt zstd stream at compressed byte"), 0u);
  EXPECT_NE(r.error().message.find("memory"), std::string::npos) << r.error().message;

  RandomChunkReader raw2(out, 1);
  DecompressingReader allowed(raw2);  // the default limit, 2^27
  Result<std::string> ok = drain(allowed, 1);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(*ok, data);
}

// Fails on its second read.
class FailingReader : public ByteReader {
 public:
  explicit FailingReader(std::string first) : first_(std::move(first)) {}
  Result<size_t> read(std::span<char> buf) override {
    if (++calls_ > 1) return Error{"RequestTimeout", "the connection stalled"};
    const size_t n = std::min(buf.size(), first_.size());
    std::memcpy(buf.data(), first_.data(), n);
    return n;
  }
  int calls() const { return calls_; }

 private:
  std::string first_;
  int calls_ = 0;
};

TEST(RawErrors, AreReturnedAsTheyAreAndStick) {
  for (const std::string& first : {gzip(sample(100000, 8)).substr(0, 4), zstd("abc").substr(0, 4),
                                   std::string("plain text")}) {
    FailingReader raw(first);
    DecompressingReader reader(raw);
    Result<std::string> r = drain(reader, 2);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), (Error{"RequestTimeout", "the connection stalled"}));
    const int calls = raw.calls();
    char b[16];
    Result<size_t> again = reader.read(b);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, "RequestTimeout");
    EXPECT_EQ(raw.calls(), calls);  // not asked again
  }
}

TEST(RawErrors, DuringDetection) {
  FailingReader raw("\x1f");  // one byte, then a failure while looking for the second
  DecompressingReader reader(raw);
  Result<Format> f = reader.detect();
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code, "RequestTimeout");
  char b[4];
  EXPECT_FALSE(reader.read(b).ok());
}

}  // namespace
}  // namespace skillsync::decompress::testing
