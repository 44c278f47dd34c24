// store/runs: the run format (encode, list, verify) and the k-way merge,
// against a model (a map from key to the last row of the key).
#include <gtest/gtest.h>
#include <zlib.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "store/runs/run_format.hpp"
#include "store/runs/run_merge.hpp"

namespace skillsync::store::runs {
namespace {

schema::Event event(std::string employee, std::string external, Micros ts) {
  schema::Event e;
  e.employee_external_id = std::move(employee);
  e.external_id = std::move(external);
  e.event_type = "learning";
  e.timestamp = ts;
  e.language = "en";
  e.content_json = R"({"course_id":"c-)" + std::to_string(ts) + R"("})";
  if (ts % 3 == 0) e.source = ts % 2 == 0 ? "" : "hr";
  return e;
}

using Key = std::pair<std::string, std::string>;

// Every row the merge yields, checking key order on the way.
std::vector<schema::Event> merge_all(ByteSource& src, const std::vector<RunInfo>& runs,
                                     size_t budget, uint64_t* superseded = nullptr) {
  Merger m(src, runs, budget);
  std::vector<schema::Event> out;
  for (;;) {
    auto more = m.next();
    EXPECT_TRUE(more.ok()) << more.error().message;
    if (!more.ok() || !*more) break;
    const EventView& v = m.row();
    schema::Event e;
    e.employee_external_id = v.employee_external_id;
    e.external_id = v.external_id;
    e.event_type = v.event_type;
    e.timestamp = v.timestamp;
    e.language = v.language;
    e.content_json = v.content_json;
    if (v.source) e.source = std::string(*v.source);
    if (!out.empty()) {
      EXPECT_LT(Key(out.back().employee_external_id, out.back().external_id),
                Key(e.employee_external_id, e.external_id));
    }
    out.push_back(std::move(e));
  }
  if (superseded) *superseded = m.superseded();
  return out;
}

void expect_same(const schema::Event& a, const schema::Event& b) {
  EXPECT_EQ(a.employee_external_id, b.employee_external_id);
  EXPECT_EQ(a.external_id, b.external_id);
  EXPECT_EQ(a.event_type, b.event_type);
  EXPECT_EQ(a.timestamp, b.timestamp);
  EXPECT_EQ(a.language, b.language);
  EXPECT_EQ(a.content_json, b.content_json);
  EXPECT_EQ(a.source, b.source);
}

TEST(RunFormat, ABatchBecomesOneSortedRunKeepingTheLastRowOfAKey) {
  std::vector<schema::Event> batch{event("b", "2", 1), event("a", "9", 2), event("b", "2", 3),
                                   event("a", "10", -4), event("", "", 5)};
  std::string file;
  std::vector<uint32_t> order;
  const EncodedRun run = encode_run(batch, file, order);
  EXPECT_EQ(run.rows, 4u);
  EXPECT_EQ(run.superseded, 1u);
  StringSource src(file);
  auto runs = list_runs(src, file.size());
  ASSERT_TRUE(runs.ok()) << runs.error().message;
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].rows, 4u);
  const auto rows = merge_all(src, *runs, 0);
  ASSERT_EQ(rows.size(), 4u);
  // Byte order: "" < "a" < "b", and "10" < "9".
  expect_same(rows[0], batch[4]);
  expect_same(rows[1], batch[3]);
  expect_same(rows[2], batch[1]);
  expect_same(rows[3], batch[2]);  // the later row of ("b", "2")
}

TEST(RunFormat, TheFileStateMatchesTheBytesAndAnyDamageIsFound) {
  std::string file;
  std::vector<uint32_t> order;
  FileState state;
  for (int r = 0; r < 3; ++r) {
    const size_t start = file.size();
    std::vector<schema::Event> batch;
    for (int i = 0; i < 5; ++i) batch.push_back(event("e", std::to_string(r * 10 + i), i));
    encode_run(batch, file, order);
    state = extend(state, std::string_view(file).substr(start));
  }
  EXPECT_EQ(state.bytes, file.size());
  EXPECT_EQ(state.runs, 3u);
  EXPECT_EQ(state.crc, static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(file.data()),
                                                   static_cast<uInt>(file.size()))));
  StringSource whole(file);
  EXPECT_TRUE(verify_file(whole, state).ok());
  for (size_t i = 0; i < file.size(); ++i) {
    std::string bad = file;
    bad[i] = static_cast<char>(bad[i] ^ 0x20);
    StringSource src(bad);
    EXPECT_FALSE(verify_file(src, state).ok()) << "byte " << i;
  }
  StringSource cut(std::string_view(file).substr(0, file.size() - 1));
  EXPECT_EQ(verify_file(cut, state).error().code, "storage_error");
  EXPECT_FALSE(list_runs(whole, state.bytes - 1).ok());
}

// Random batches (keys repeat within and across them), small and large
// buffers, one record far larger than a buffer: the merge gives the model.
TEST(RunMerge, TheLatestRunOfAKeyWinsAndEveryOtherRowIsCountedOnce) {
  std::mt19937 rng(11);
  std::string file;
  std::vector<uint32_t> order;
  std::map<Key, schema::Event> want;
  uint64_t rows = 0;
  uint64_t within = 0;
  Micros ts = 0;
  for (int r = 0; r < 60; ++r) {
    std::vector<schema::Event> batch;
    const int n = static_cast<int>(rng() % 400);
    for (int i = 0; i < n; ++i) {
      batch.push_back(event("emp-" + std::to_string(rng() % 30), std::to_string(rng() % 90), ++ts));
    }
    if (r == 7 && !batch.empty()) batch[0].content_json.assign(200'000, 'x');
    for (const auto& e : batch) want[{e.employee_external_id, e.external_id}] = e;
    within += encode_run(batch, file, order).superseded;
    rows += static_cast<uint64_t>(n);
  }
  StringSource src(file);
  auto runs = list_runs(src, file.size());
  ASSERT_TRUE(runs.ok());
  for (const size_t budget : {size_t{0}, size_t{64} << 20}) {
    uint64_t across = 0;
    const auto got = merge_all(src, *runs, budget, &across);
    ASSERT_EQ(got.size(), want.size());
    size_t i = 0;
    for (const auto& [key, e] : want) expect_same(got[i++], e);
    EXPECT_EQ(within + across + got.size(), rows);
  }
}

// The merge's memory does not grow with the file up to 1,024 runs (the
// SQLite store's 4 MiB budget: ~20M rows), and only by kMinRunBuffer a run
// past that; each run still reads all of its rows through its slice.
TEST(RunMerge, ItsBuffersStayWithinTheBudgetUpTo1024Runs) {
  constexpr size_t kBudget = size_t{4} << 20;
  for (const size_t n : {size_t{50}, size_t{500}, size_t{1024}, size_t{1500}}) {
    std::string file;
    std::vector<uint32_t> order;
    for (size_t r = 0; r < n; ++r) {
      std::vector<schema::Event> batch;
      for (int i = 0; i < 3; ++i) {
        batch.push_back(event("emp", std::to_string(r * 3 + static_cast<size_t>(i)), 1));
      }
      encode_run(batch, file, order);
    }
    StringSource src(file);
    const auto runs = list_runs(src, file.size()).value();
    ASSERT_EQ(runs.size(), n);
    Merger m(src, runs, kBudget);
    if (n <= kBudget / kMinRunBuffer) {
      EXPECT_LE(m.buffer_bytes(), kBudget) << n << " runs";
      EXPECT_GT(m.buffer_bytes(), kBudget - n) << n << " runs";
    } else {
      EXPECT_EQ(m.buffer_bytes(), n * kMinRunBuffer) << n << " runs";
    }
    size_t rows = 0;
    for (;;) {
      auto more = m.next();
      ASSERT_TRUE(more.ok()) << more.error().message;
      if (!*more) break;
      ++rows;
    }
    EXPECT_EQ(rows, n * 3);
  }
}

TEST(RunMerge, ADamagedRunIsAnErrorNotARow) {
  std::string file;
  std::vector<uint32_t> order;
  std::vector<schema::Event> batch;
  for (int i = 0; i < 100; ++i) batch.push_back(event("e", std::to_string(1000 + i), i));
  encode_run(batch, file, order);
  StringSource good(file);
  const auto runs = list_runs(good, file.size()).value();
  for (size_t at = kRunHeaderBytes; at < file.size(); at += 37) {
    std::string bad = file;
    bad[at] = static_cast<char>(bad[at] + 1);
    StringSource src(bad);
    Merger m(src, runs, 0);
    Result<bool> more = true;
    while (more.ok() && *more) more = m.next();
    ASSERT_FALSE(more.ok()) << "byte " << at;
    EXPECT_EQ(more.error().code, "storage_error");
  }
}

}  // namespace
}  // namespace skillsync::store::runs
