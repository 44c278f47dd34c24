// A download blocked on the network does not hold up a shutdown, a cancel or
// a lost lease: LoadPipeline hands the source the LeaseKeeper's interrupt
// token, the blocked read fails with "cancelled" within moments, and the task
// ends as the cause asks (released with its checkpoint, cancelled, or left
// to its new worker). A real SQLite store; a fake source whose reads block,
// like a stalled S3 connection, until the token is set.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <thread>

#include "common/crypto.hpp"
#include "sqlite_task_test.hpp"

namespace skillsync::tasks {
namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

constexpr auto kBlockNever = std::string::npos;

// Serves `data` (the object from `base` on); a read at or past absolute
// offset `block_at` waits until `cancel` is set and then fails as a stalled
// S3 read does.
class BlockingReader final : public ByteReader {
 public:
  BlockingReader(std::string_view data, size_t base, size_t block_at,
                 const CancellationToken& cancel, std::atomic<bool>& blocked)
      : data_(data), base_(base), block_at_(block_at), cancel_(cancel), blocked_(blocked) {}

  Result<size_t> read(std::span<char> buf) override {
    const size_t at = base_ + pos_;
    if (at >= block_at_ && at < base_ + data_.size()) {
      blocked_ = true;
      while (!cancel_.cancelled()) std::this_thread::sleep_for(milliseconds(5));
      return Error{"cancelled", "the transfer was interrupted"};
    }
    size_t n = std::min(buf.size(), data_.size() - pos_);
    if (block_at_ != kBlockNever) n = std::min(n, block_at_ - at);
    std::copy_n(data_.data() + pos_, n, buf.data());
    pos_ += n;
    return n;
  }

 private:
  std::string_view data_;
  size_t base_;
  size_t pos_ = 0;
  size_t block_at_;
  const CancellationToken& cancel_;
  std::atomic<bool>& blocked_;
};

class BlockingOpener final : public ObjectOpener {
 public:
  std::string content;
  size_t block_at = kBlockNever;  // absolute offset where reads block
  bool block_open = false;        // the open itself blocks (no answer yet)
  std::vector<uint64_t> offsets;  // of every open
  std::atomic<bool> blocked{false};

  Result<Opened> open(const source::SourceSpec&, uint64_t offset,
                      const CancellationToken& cancel) override {
    offsets.push_back(offset);
    if (block_open) {
      blocked = true;
      while (!cancel.cancelled()) std::this_thread::sleep_for(milliseconds(5));
      return Error{"cancelled", "the transfer was interrupted"};
    }
    auto reader = std::make_unique<BlockingReader>(std::string_view(content).substr(offset), offset,
                                                   block_at, cancel, blocked);
    return Opened{std::move(reader), content.size(), ""};
  }
};

// 50 rows of employee e1; row i has external id x<i>.
std::string fifty_rows() {
  std::string csv = "employee_external_id,language,external_id,timestamp,course_id\n";
  for (int i = 0; i < 50; ++i) csv += "e1,en,x" + std::to_string(i) + ",2021-01-01,c\n";
  return csv;
}

// Inside row `i` (after its first bytes).
size_t inside_row(const std::string& csv, int i) {
  return csv.find("e1,en,x" + std::to_string(i) + ",") + 4;
}

class CancelDownloadTest : public SqliteTaskTest {
 protected:
  void SetUp() override {
    SqliteTaskTest::SetUp();
    if (HasFatalFailure()) return;
    config_.batch_rows = 10;
    config_.lease_duration = kLease;
    config_.heartbeat_interval = milliseconds(20);
    opener_.content = fifty_rows();
  }
  store::Task make_task() { return create_and_claim(); }
  using SqliteTaskTest::event_count;
  using SqliteTaskTest::reload;
  store::Task reload() { return reload(task_.id); }
  size_t event_count() { return event_count("e1"); }

  // Runs the task on a thread until the source blocks, calls `act`, and
  // returns the run's status; `took` is the time from `act` to the return.
  template <class Act>
  store::TaskStatus run_until_blocked(Act act, milliseconds& took) {
    LoadPipeline pipeline(*store_, opener_, key_, SystemClock::instance(), config_);
    auto running =
        std::async(std::launch::async, [&] { return pipeline.run(task_, kWorker, stop_); });
    const auto deadline = SteadyClock::now() + std::chrono::seconds(10);
    while (!opener_.blocked && SteadyClock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(5));
    }
    EXPECT_TRUE(opener_.blocked.load()) << "the source never blocked";
    std::this_thread::sleep_for(milliseconds(100));  // a few heartbeats pass while it blocks
    EXPECT_EQ(running.wait_for(milliseconds(0)), std::future_status::timeout)
        << "the run ended before the interruption";
    const auto acted = SteadyClock::now();
    act();
    const store::TaskStatus status = running.get();
    took = std::chrono::duration_cast<milliseconds>(SteadyClock::now() - acted);
    return status;
  }

  PipelineConfig config_;
  BlockingOpener opener_;
  CancellationToken stop_;
  store::Task task_;
};

TEST_F(CancelDownloadTest, ShutdownInterruptsAStalledReadAndKeepsOnlyCheckpointedRows) {
  const std::string& csv = opener_.content;
  opener_.block_at = inside_row(csv, 25);
  task_ = make_task();
  milliseconds took{};
  EXPECT_EQ(run_until_blocked([&] { stop_.cancel(); }, took), store::TaskStatus::kRunning);
  EXPECT_LT(took.count(), 1000);

  // Released with a consistent checkpoint: at a row start before the stall,
  // counting exactly the rows before it; the rows read after it (up to the
  // stall, the last one half read) were not staged.
  store::Task t = reload();
  EXPECT_EQ(t.status, store::TaskStatus::kRunning);
  ASSERT_TRUE(t.checkpoint.has_value()) << "the batches staged before the stall are kept";
  const uint64_t at = t.checkpoint->byte_offset;
  ASSERT_GT(at, 0u);
  ASSERT_LE(at, opener_.block_at);
  EXPECT_EQ(csv[at - 1], '\n');
  const auto rows_before = static_cast<uint64_t>(
      std::count(csv.begin(), csv.begin() + static_cast<std::ptrdiff_t>(at), '\n') - 1);
  EXPECT_EQ(t.checkpoint->progress.rows_loaded, rows_before);
  EXPECT_EQ(t.checkpoint->progress.rows_read, rows_before);
  EXPECT_EQ(event_count(), 0u) << "nothing is visible before the task completes";

  // Another worker claims it at once and ends with exactly the file's rows.
  opener_.block_at = kBlockNever;
  task_ = claim("other-worker");
  ASSERT_TRUE(task_.checkpoint.has_value());
  {
    LoadPipeline pipeline(*store_, opener_, key_, SystemClock::instance(), config_);
    CancellationToken never;
    EXPECT_EQ(pipeline.run(task_, "other-worker", never), store::TaskStatus::kCompleted);
  }
  ASSERT_EQ(opener_.offsets.size(), 2u);
  EXPECT_EQ(opener_.offsets[1], at);
  t = reload();
  EXPECT_EQ(t.progress.rows_read, 50u);
  EXPECT_EQ(t.progress.rows_loaded, 50u);
  EXPECT_EQ(t.progress.bytes_read, csv.size());
  EXPECT_EQ(event_count(), 50u);
}

TEST_F(CancelDownloadTest, CancelRequestInterruptsAStalledReadAndEndsCancelled) {
  opener_.block_at = inside_row(opener_.content, 25);
  task_ = make_task();
  milliseconds took{};
  const store::TaskStatus status = run_until_blocked(
      [&] {
        auto r =
            store_->request_cancel(store::kDefaultTenant, task_.id, SystemClock::instance().now());
        ASSERT_TRUE(r.ok()) << r.error().message;
      },
      took);
  EXPECT_EQ(status, store::TaskStatus::kCancelled);
  EXPECT_LT(took.count(), 1000) << "learnt at the next heartbeat (20 ms), then interrupted";
  store::Task t = reload();
  EXPECT_EQ(t.status, store::TaskStatus::kCancelled);
  EXPECT_FALSE(t.error.has_value());
  EXPECT_FALSE(t.checkpoint.has_value());
  EXPECT_TRUE(t.sealed_credentials.empty());
  EXPECT_EQ(event_count(), 0u);
  EXPECT_FALSE(stop_.cancelled()) << "a task's cancel must not stop the worker";
}

TEST_F(CancelDownloadTest, LostLeaseInterruptsAStalledReadAndTouchesNothing) {
  opener_.block_at = inside_row(opener_.content, 25);
  task_ = make_task();
  milliseconds took{};
  const store::TaskStatus status = run_until_blocked(
      [&] {
        // Another worker owns the task from now on.
        ASSERT_TRUE(store_->release_lease(task_.id, kWorker).ok());
        claim("other-worker");
      },
      took);
  EXPECT_EQ(status, store::TaskStatus::kRunning);
  EXPECT_LT(took.count(), 1000);
  store::Task t = reload();
  EXPECT_EQ(t.status, store::TaskStatus::kRunning) << "the new owner's task is left alone";
  EXPECT_FALSE(t.error.has_value());
  EXPECT_FALSE(t.sealed_credentials.empty()) << "the new owner still needs the credentials";
  EXPECT_EQ(event_count(), 0u);
}

TEST_F(CancelDownloadTest, ShutdownInterruptsAnOpenThatWaitsForAnAnswer) {
  opener_.block_open = true;
  task_ = make_task();
  milliseconds took{};
  EXPECT_EQ(run_until_blocked([&] { stop_.cancel(); }, took), store::TaskStatus::kRunning);
  EXPECT_LT(took.count(), 1000);
  store::Task t = reload();
  EXPECT_EQ(t.status, store::TaskStatus::kRunning);
  EXPECT_FALSE(t.error.has_value());
  // Released: another worker may claim it at once.
  auto again = store_->claim_next_task("other-worker", SystemClock::instance().now(), kLease);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->has_value());
}

TEST_F(CancelDownloadTest, CancelRequestInterruptsAnOpenThatWaitsForAnAnswer) {
  opener_.block_open = true;
  task_ = make_task();
  milliseconds took{};
  const store::TaskStatus status = run_until_blocked(
      [&] {
        ASSERT_TRUE(
            store_->request_cancel(store::kDefaultTenant, task_.id, SystemClock::instance().now())
                .ok());
      },
      took);
  EXPECT_EQ(status, store::TaskStatus::kCancelled);
  EXPECT_LT(took.count(), 1000);
  EXPECT_EQ(reload().status, store::TaskStatus::kCancelled);
}

}  // namespace
}  // namespace skillsync::tasks
