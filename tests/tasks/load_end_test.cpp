// How a load ends: the outcome -> status table, the mapping of refused
// writes, and record_end against a real SQLite store.
#include <gtest/gtest.h>

#include "sqlite_task_test.hpp"
#include "tasks/load_end.hpp"

namespace skillsync::tasks::internal {
namespace {

using store::TaskStatus;

TEST(EndingOf, MapsEveryOutcomeToItsStatusAndWriter) {
  const store::Progress clean;
  store::Progress rejected;
  rejected.rows_rejected = 1;
  struct Row {
    Outcome outcome;
    const store::Progress& progress;
    TaskStatus status;
    EndAction action;
  };
  const Row table[] = {
      {Outcome::kDone, clean, TaskStatus::kCompleted, EndAction::kPublish},
      {Outcome::kDone, rejected, TaskStatus::kCompletedWithErrors, EndAction::kPublish},
      {Outcome::kFailed, clean, TaskStatus::kFailed, EndAction::kRecord},
      {Outcome::kFailed, rejected, TaskStatus::kFailed, EndAction::kRecord},
      {Outcome::kCancelled, rejected, TaskStatus::kCancelled, EndAction::kRecord},
      {Outcome::kStopped, clean, TaskStatus::kRunning, EndAction::kRelease},
      {Outcome::kLost, clean, TaskStatus::kRunning, EndAction::kLeave},
  };
  for (const Row& row : table) {
    const Ending e = ending_of(row.outcome, row.progress);
    EXPECT_EQ(e.status, row.status) << "outcome " << int(row.outcome);
    EXPECT_EQ(e.action, row.action) << "outcome " << int(row.outcome);
  }
}

TEST(EndOfRefusedWrite, LostLeaseAndCancelEndTheRunSoAnythingElseFailsIt) {
  EXPECT_EQ(end_of_refused_write(Error(Errc::kLeaseLost, "taken")).outcome, Outcome::kLost);
  EXPECT_EQ(end_of_refused_write(Error(Errc::kCancelled, "cancelled")).outcome,
            Outcome::kCancelled);
  const LoadEnd failed = end_of_refused_write(Error("disk_full", "no space left"));
  EXPECT_EQ(failed.outcome, Outcome::kFailed);
  EXPECT_EQ(failed.error, Error("disk_full", "no space left"));
}

class RecordEndTest : public SqliteTaskTest {};

TEST_F(RecordEndTest, WritesTheEndWithItsError) {
  const store::Task task = create_and_claim();
  store::Progress progress;
  progress.rows_read = 3;
  CancellationToken never;
  EXPECT_TRUE(record_end(*store_, SystemClock::instance(), task, std::string(kWorker),
                         TaskStatus::kFailed, store::TaskError{"some_code", "some message"},
                         progress, std::chrono::seconds(30), never));
  const store::Task t = reload(task.id);
  EXPECT_EQ(t.status, TaskStatus::kFailed);
  ASSERT_TRUE(t.error.has_value());
  EXPECT_EQ(t.error->code, "some_code");
  EXPECT_EQ(t.progress.rows_read, 3u);
  EXPECT_TRUE(t.sealed_credentials.empty());
}

TEST_F(RecordEndTest, GivesUpWithoutRetryingOnATaskAnotherWorkerOwns) {
  const store::Task task = create_and_claim();
  ASSERT_TRUE(store_->release_lease(task.id, kWorker).ok());
  claim("other-worker");
  CancellationToken never;
  // Retrying would hold the test for an hour.
  EXPECT_FALSE(record_end(*store_, SystemClock::instance(), task, std::string(kWorker),
                          TaskStatus::kFailed, std::nullopt, {}, std::chrono::hours(1), never));
  const store::Task t = reload(task.id);
  EXPECT_EQ(t.status, TaskStatus::kRunning);
  EXPECT_EQ(t.worker_id, "other-worker");
}

}  // namespace
}  // namespace skillsync::tasks::internal
