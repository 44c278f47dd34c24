// Batch and BatchStager: batches full by rows or by bytes, slot capacity
// bounded across recycles, and the stager writing batches in order.
#include "tasks/batch_stager.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tasks/tasks.hpp"

namespace skillsync::tasks {
namespace {

constexpr size_t kMiB = size_t{1} << 20;

// Fills the next slot with a row whose content_json has `content_bytes`
// bytes, and keeps it.
void add_row(Batch& b, size_t content_bytes, char fill = 'x') {
  schema::Event& e = b.next_slot();
  e.employee_external_id = "emp-1";
  e.external_id = "ext-" + std::to_string(b.count);
  e.event_type = "learning";
  e.language = "en";
  e.content_json.assign(content_bytes, fill);
  ++b.count;
}

size_t row_bytes(const Batch& b, size_t i) {
  const schema::Event& e = b.events[i];
  return sizeof(schema::Event) + e.employee_external_id.size() + e.external_id.size() +
         e.event_type.size() + e.language.size() + e.content_json.size();
}

TEST(BatchTest, FullByRows) {
  Batch b(/*max_rows=*/5, /*max_bytes=*/kMiB);
  for (int i = 0; i < 4; ++i) {
    add_row(b, 10);
    EXPECT_FALSE(b.full()) << "after row " << i + 1;
  }
  add_row(b, 10);
  EXPECT_TRUE(b.full());
  EXPECT_EQ(b.rows(), 5u);
}

TEST(BatchTest, RowErrorsCountAsRows) {
  Batch b(3, kMiB);
  add_row(b, 10);
  b.errors.push_back({2, 100, "timestamp", "invalid_timestamp", "bad", "raw,row", ""});
  EXPECT_FALSE(b.full());
  b.errors.push_back({3, 200, "", "wrong_field_count", "bad", "raw", ""});
  EXPECT_TRUE(b.full());
}

TEST(BatchTest, FullByBytesBeforeRows) {
  Batch b(/*max_rows=*/20000, /*max_bytes=*/64 * 1024);
  size_t rows = 0;
  while (!b.full()) {
    add_row(b, 5000);
    ++rows;
  }
  // 5,000-byte rows: full at the first row that reaches 64 KiB, not at
  // 20,000 rows.
  EXPECT_EQ(rows, 13u);
  EXPECT_GE(b.bytes(), 64u * 1024);
  EXPECT_LT(b.bytes() - row_bytes(b, b.count - 1), 64u * 1024);
}

TEST(BatchTest, BytesAreTheRowsStringsAndSizes) {
  Batch b(100, kMiB);
  add_row(b, 1000);
  add_row(b, 2000);
  EXPECT_EQ(b.bytes(), row_bytes(b, 0) + row_bytes(b, 1));
  // A slot filled but not kept (a rejected row) does not count.
  b.next_slot().content_json.assign(50000, 'y');
  EXPECT_EQ(b.bytes(), row_bytes(b, 0) + row_bytes(b, 1));
  // A row error counts its text, the raw record above all.
  b.errors.push_back({7, 0, "c", "code", "msg", std::string(4096, 'r'), "f.csv"});
  EXPECT_EQ(b.bytes(),
            row_bytes(b, 0) + row_bytes(b, 1) + sizeof(store::RowError) + 1 + 4 + 3 + 4096 + 5);
}

TEST(BatchTest, FullByRowErrorBytes) {
  Batch b(20000, 40 * 1024);
  int errors = 0;
  while (!b.full()) {
    b.errors.push_back({1, 0, "", "wrong_field_count", "m", std::string(4096, 'r'), ""});
    ++errors;
  }
  EXPECT_EQ(b.count, 0u);
  EXPECT_LT(errors, 11);  // 4 KiB raw text each: full by bytes, well before 20,000 rows
  EXPECT_GE(errors, 9);
}

TEST(BatchTest, BytesAreMeasuredAgainWhenRowsAreDropped) {
  Batch b(100, 10 * 1024);
  add_row(b, 6000);
  add_row(b, 6000);
  EXPECT_TRUE(b.full());
  b.count = 0;  // the pipeline drops a batch's rows (on_error abort)
  EXPECT_EQ(b.bytes(), 0u);
  EXPECT_FALSE(b.full());
  add_row(b, 100);
  EXPECT_EQ(b.bytes(), row_bytes(b, 0));
}

TEST(BatchTest, ClearEmptiesTheBatchAndKeepsSlots) {
  Batch b(100, kMiB);
  add_row(b, 3000);
  b.errors.push_back({1, 0, "", "c", "m", "raw", ""});
  const char* data = b.events[0].content_json.data();
  b.clear();
  EXPECT_EQ(b.rows(), 0u);
  EXPECT_EQ(b.bytes(), 0u);
  EXPECT_EQ(b.events[0].content_json.data(), data);  // reused, not freed
}

// A steady load (rows of one size) keeps every slot's strings from batch to
// batch: no allocation per row.
TEST(BatchTest, RecycleKeepsSlotsOfASteadyLoad) {
  Batch b(20000, 256 * 1024);
  for (int batch = 0; batch < 3; ++batch) {
    while (!b.full()) add_row(b, 5000, char('a' + batch));
    std::vector<const char*> data;
    for (size_t i = 0; i < b.count; ++i) data.push_back(b.events[i].content_json.data());
    const size_t rows = b.count;
    b.recycle();
    EXPECT_EQ(b.rows(), 0u);
    ASSERT_GE(b.events.size(), rows);
    for (size_t i = 0; i < rows; ++i) {
      EXPECT_EQ(b.events[i].content_json.data(), data[i]) << "slot " << i << " was reallocated";
    }
  }
}

// The case: a batch of 16 rows of 1 MiB, then batches of 20,000
// small rows. The big batch is full by bytes; the capacity its slots keep
// stays within 2 x the cap, and the small batches are full by rows.
TEST(BatchTest, HugeRowsThenSmallRowsStayBounded) {
  const size_t cap = 16 * kMiB;
  Batch b(20000, cap);
  size_t rows = 0;
  while (!b.full()) {
    add_row(b, kMiB);
    ++rows;
  }
  EXPECT_EQ(rows, 16u);
  b.recycle();
  EXPECT_LE(b.retained_bytes(), 2 * cap);
  for (int batch = 0; batch < 3; ++batch) {
    rows = 0;
    while (!b.full()) {
      add_row(b, 200);
      ++rows;
    }
    EXPECT_EQ(rows, 20000u);
    EXPECT_LT(b.bytes(), cap);
    b.recycle();
    EXPECT_LE(b.retained_bytes(), 2 * cap);
  }
}

// Each batch: some small rows, then big rows in slots no earlier batch made
// big. Without trimming the slots would keep every big row ever seen (the
// sum grows with each batch); recycle() holds them to 2 x max_bytes.
TEST(BatchTest, RecycleBoundsCapacityThatWouldGrowWithoutIt) {
  const size_t cap = kMiB;
  const size_t big = 600 * 1024;  // two of them make a batch full by bytes
  Batch b(1000, cap);
  size_t inflated = 0;  // what the slots would hold if nothing were released
  for (size_t small = 0; small <= 40; small += 2) {
    for (size_t i = 0; i < small; ++i) add_row(b, 100);
    while (!b.full()) add_row(b, big);
    inflated += 2 * big;
    EXPECT_LE(b.retained_bytes(), 2 * cap + 3 * big) << "before recycle, small=" << small;
    b.recycle();
    EXPECT_LE(b.retained_bytes(), 2 * cap) << "after recycle, small=" << small;
  }
  EXPECT_GT(inflated, 10 * cap);  // the bound was really needed
}

// Slots past the last batch's rows go first: after 20,000 rows of 200
// bytes (4 MB of slots) and a batch of two 1 MiB rows, only the big batch's
// slots need to stay.
TEST(BatchTest, RecycleDropsUnusedSlotsFirst) {
  const size_t cap = 2 * kMiB;
  Batch b(20000, cap);
  for (int i = 0; i < 10000; ++i) add_row(b, 400);  // 4 MB of capacity in 10,000 slots
  b.count = 10000;
  b.clear();
  add_row(b, 1500 * 1024);
  add_row(b, 1500 * 1024);
  ASSERT_TRUE(b.full());
  const char* first = b.events[0].content_json.data();
  ASSERT_GT(b.retained_bytes(), 2 * cap);
  b.recycle();
  EXPECT_LE(b.retained_bytes(), 2 * cap);
  EXPECT_LT(b.events.size(), 10000u);
  EXPECT_EQ(b.events[0].content_json.data(), first);  // the rows just used keep their slots
}

// --- BatchStager -----------------------------------------------------------

class RecordingWriter : public store::TaskWriter {
 public:
  struct Staged {
    size_t events = 0;
    size_t errors = 0;
    uint64_t batches = 0;
    std::string first_external_id;
  };
  std::vector<Staged> staged;
  int fail_at = -1;  // the call (0-based) that fails

  Status stage(std::span<const schema::Event> events, std::span<const store::RowError> errors,
               const store::Checkpoint& checkpoint) override {
    if (static_cast<int>(staged.size()) == fail_at) return Error{"db_error", "disk full"};
    staged.push_back({events.size(), errors.size(), checkpoint.batches,
                      events.empty() ? "" : events[0].external_id});
    return {};
  }
  Result<uint64_t> publish(store::TaskStatus, const store::Progress&) override { return 0; }
  Status discard() override { return {}; }
  Result<uint64_t> count_superseded() override { return 0; }
  Status finish_dry_run(store::TaskStatus, const store::Progress&) override { return {}; }
};

TEST(BatchStagerTest, DefaultLimitsAreThePipelineDefaults) {
  RecordingWriter writer;
  BatchStager stager(writer);
  Batch* b = stager.acquire();
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->max_rows(), PipelineConfig{}.batch_rows);
  EXPECT_EQ(b->max_bytes(), PipelineConfig{}.batch_bytes);
  EXPECT_EQ(PipelineConfig{}.batch_bytes, 16 * kMiB);
  stager.submit(b);
  EXPECT_TRUE(stager.close().ok());
}

TEST(BatchStagerTest, WritesFullBatchesInOrderAndRecyclesThem) {
  RecordingWriter writer;
  BatchStager stager(writer, /*max_rows=*/1000, /*max_bytes=*/32 * 1024);
  Batch* b = stager.acquire();
  uint64_t batches = 0;
  for (int row = 0; row < 50; ++row) {
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(b->max_bytes(), 32u * 1024);
    schema::Event& e = b->next_slot();
    e.external_id = "row-" + std::to_string(row);
    e.content_json.assign(4000, 'c');
    ++b->count;
    if (b->full()) {
      b->checkpoint.batches = ++batches;
      stager.submit(b);
      b = stager.acquire();
      ASSERT_NE(b, nullptr);
      EXPECT_EQ(b->rows(), 0u);  // recycled
    }
  }
  b->checkpoint.batches = ++batches;
  stager.submit(b);
  ASSERT_TRUE(stager.close().ok());
  // 4 KB rows and a 32 KiB cap: batches of 8 rows, then the 2 left over.
  ASSERT_EQ(writer.staged.size(), 7u);
  for (size_t i = 0; i < writer.staged.size(); ++i) {
    EXPECT_EQ(writer.staged[i].batches, i + 1);
    EXPECT_EQ(writer.staged[i].events, i < 6 ? 8u : 2u);
    EXPECT_EQ(writer.staged[i].first_external_id, "row-" + std::to_string(8 * i));
  }
}

TEST(BatchStagerTest, AFailedWriteStopsTheStager) {
  RecordingWriter writer;
  writer.fail_at = 1;
  BatchStager stager(writer, 2, kMiB);
  Batch* b = stager.acquire();
  int submitted = 0;
  while (b != nullptr && submitted < 100) {
    add_row(*b, 10);
    add_row(*b, 10);
    ASSERT_TRUE(b->full());
    stager.submit(b);
    ++submitted;
    b = stager.acquire();
  }
  EXPECT_EQ(b, nullptr);
  Status s = stager.close();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "db_error");
  EXPECT_EQ(writer.staged.size(), 1u);
}

}  // namespace
}  // namespace skillsync::tasks
