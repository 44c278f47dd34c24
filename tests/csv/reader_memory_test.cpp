// Bounded memory: huge fields and records are streamed past, not buffered,
// and the hot loop does not allocate per row once warmed up. This binary
// replaces the global operator new to count live bytes and allocations.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "test_readers.hpp"

namespace {
std::atomic<size_t> g_live{0};
std::atomic<size_t> g_peak{0};
std::atomic<size_t> g_count{0};
constexpr size_t kHeader = alignof(std::max_align_t);

void* counted_alloc(size_t n) {
  void* p = std::malloc(n + kHeader);
  if (p == nullptr) throw std::bad_alloc();
  *static_cast<size_t*>(p) = n;
  const size_t live = g_live += n;
  size_t peak = g_peak.load();
  while (live > peak && !g_peak.compare_exchange_weak(peak, live)) {
  }
  ++g_count;
  return static_cast<char*>(p) + kHeader;
}
void counted_free(void* p) {
  if (p == nullptr) return;
  void* base = static_cast<char*>(p) - kHeader;
  g_live -= *static_cast<size_t*>(base);
  std::free(base);
}
}  // namespace

void* operator new(size_t n) { return counted_alloc(n); }
void* operator new[](size_t n) { return counted_alloc(n); }
void operator delete(void* p) noexcept { counted_free(p); }
void operator delete[](void* p) noexcept { counted_free(p); }
void operator delete(void* p, size_t) noexcept { counted_free(p); }
void operator delete[](void* p, size_t) noexcept { counted_free(p); }

namespace skillsync::csv::testing {
namespace {

using Items = std::vector<Item>;

constexpr size_t kHundredMB = 100u * 1000 * 1000;
// Default dialect: the 1 MiB read buffer grows to 2 MiB (1 MiB read size +
// 1 MiB record limit), and while it grows both briefly coexist; 64 KiB of
// slack covers the test's own strings. Nothing here depends on the 100 MB.
constexpr size_t kDefaultBound = (1 + 2) * 1024 * 1024 + 64 * 1024;

// Streams prefix + `count` copies of `fill` + suffix without storing the
// middle part.
class GeneratedReader : public ByteReader {
 public:
  GeneratedReader(std::string prefix, char fill, size_t count, std::string suffix)
      : prefix_(std::move(prefix)), suffix_(std::move(suffix)), fill_(fill), count_(count) {}

  Result<size_t> read(std::span<char> buf) override {
    const size_t total = prefix_.size() + count_ + suffix_.size();
    size_t n = 0;
    while (n < buf.size() && pos_ < total) {
      if (pos_ < prefix_.size()) {
        buf[n++] = prefix_[pos_++];
      } else if (pos_ < prefix_.size() + count_) {
        const size_t k = std::min(buf.size() - n, prefix_.size() + count_ - pos_);
        std::memset(buf.data() + n, fill_, k);
        n += k;
        pos_ += k;
      } else {
        buf[n++] = suffix_[pos_++ - prefix_.size() - count_];
      }
    }
    return n;
  }

 private:
  std::string prefix_, suffix_;
  char fill_;
  size_t count_;
  size_t pos_ = 0;
};

// Peak bytes allocated (above what was live before) while reading it all.
size_t peak_while_reading(ByteReader& in, const Dialect& d, Items* out) {
  const size_t before = g_live.load();
  g_peak = before;
  {
    RecordReader reader(in, d);
    *out = read_all(reader);
  }
  return g_peak.load() - before;
}

TEST(ReaderMemory, HundredMegabyteUnterminatedFieldIsStreamedPast) {
  GeneratedReader in("id,\"", 'a', kHundredMB, "\nnext,row\n");
  Items items;
  const size_t peak = peak_while_reading(in, Dialect{}, &items);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].code, "unterminated_quote");
  EXPECT_EQ(items[0].line, 1u);
  EXPECT_EQ(items[0].byte_offset, 0u);
  EXPECT_EQ(items[0].column, 2u);
  EXPECT_EQ(items[0].raw, "id,\"" + std::string(4092, 'a'));
  EXPECT_EQ(items[1], rec({"next", "row"}, 2, kHundredMB + 5, "next,row"));
  EXPECT_LT(peak, kDefaultBound);
}

TEST(ReaderMemory, HundredMegabyteQuotedFieldThatClosesIsStillBounded) {
  GeneratedReader in("\"", 'q', kHundredMB, "\"\nok\n");
  Items items;
  const size_t peak = peak_while_reading(in, Dialect{}, &items);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].code, "unterminated_quote");
  EXPECT_EQ(items[0].raw.size(), 4096u);
  EXPECT_EQ(items[1], rec({"ok"}, 2, kHundredMB + 3, "ok"));
  EXPECT_LT(peak, kDefaultBound);
}

TEST(ReaderMemory, HundredMegabyteRecordIsStreamedPast) {
  GeneratedReader in("x\r\n", ',', kHundredMB, "\r\nlast");
  Dialect d;
  d.max_record_bytes = 4096;
  Items items;
  const size_t peak = peak_while_reading(in, d, &items);
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0], rec({"x"}, 1, 0, "x"));
  EXPECT_EQ(items[1], err("record_too_long", 0, 2, 3, std::string(4096, ','),
                          "record is over the 4096 byte limit"));
  EXPECT_EQ(items[2], rec({"last"}, 3, kHundredMB + 5, "last"));
  // The 1 MiB buffer never grows (4 KiB records fit), plus 24 bytes of
  // bookkeeping per field found before the limit (x3: the old and new
  // storage of the vector's last doubling).
  EXPECT_LT(peak, 1024 * 1024 + 3 * 24 * 4097 + 64 * 1024);
}

TEST(ReaderMemory, NoAllocationPerRowOnceWarmedUp) {
  std::string data;
  for (int i = 0; i < 50000; ++i) {
    data +=
        std::to_string(i) + ",plain,\"quoted, with \"\"escapes\"\"\",\"multi\nline\",\xc3\xa9\r\n";
  }
  StringReader in(data);
  Dialect d;
  d.read_buffer_bytes = 64 * 1024;  // many refills and compactions
  RecordReader reader(in, d);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(*reader.next(), RecordReader::Item::kRecord);
  const size_t allocations = g_count.load();
  size_t records = 1000;
  for (;;) {
    Result<RecordReader::Item> r = reader.next();
    ASSERT_TRUE(r.ok());
    if (*r == RecordReader::Item::kEnd) break;
    ASSERT_EQ(*r, RecordReader::Item::kRecord);
    ASSERT_EQ(reader.record().fields.size(), 5u);
    ++records;
  }
  EXPECT_EQ(records, 50000u);
  EXPECT_EQ(g_count.load(), allocations);
}

}  // namespace
}  // namespace skillsync::csv::testing
