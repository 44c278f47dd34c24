// LoadRun step by step (open_source, open_first_file, bind_header,
// stage_rows, end), each on its own: a real SQLite store, the fake sources
// of fake_sources.hpp at the I/O boundary.
#include <gtest/gtest.h>

#include "fake_sources.hpp"
#include "sqlite_task_test.hpp"
#include "tasks/load_run.hpp"

namespace skillsync::tasks::internal {
namespace {

using store::TaskStatus;

const std::string kHeader = "employee_external_id,language,external_id,timestamp,course_id\n";
const std::string kRow1 = "e1,en,x1,2021-01-01,c1\n";
const std::string kRow2 = "e1,en,x2,2021-01-02,c2\n";
const std::vector<std::string> kNames = {"employee_external_id", "language", "external_id",
                                         "timestamp", "course_id"};

class LoadRunTest : public SqliteTaskTest {
 protected:
  // A run of task_ as kWorker, reading from `opener` (opener_ by default).
  std::unique_ptr<LoadRun> make_run(ObjectOpener* opener = nullptr) {
    return std::make_unique<LoadRun>(*store_, opener ? *opener : opener_, key_,
                                     SystemClock::instance(), config_, task_, kWorker, stop_);
  }
  // A run of a new task over `csv`, ready to stage its rows (every step
  // before stage_rows done).
  std::unique_ptr<LoadRun> ready(const std::string& csv, LoadOptions options = {}) {
    opener_.content = csv;
    task_ = create_and_claim("s3://bucket/file.csv", options);
    auto run = make_run();
    EXPECT_TRUE(run->open_source().ok());
    EXPECT_TRUE(run->open_first_file().ok());
    Status bound = run->bind_header();
    EXPECT_TRUE(bound.ok()) << bound.error().message;
    return run;
  }
  // Stages no rows but `cp` as task_'s checkpoint, and reloads task_.
  void checkpoint(const store::Checkpoint& cp) {
    auto writer = store_->begin_load(task_, kWorker);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->stage({}, {}, cp).ok());
    task_ = reload(task_.id);
    ASSERT_TRUE(task_.checkpoint.has_value());
  }
  // A checkpoint after kRow1 of a plain UTF-8 file (in `file`, for a prefix).
  store::Checkpoint after_row1(bool resumable, const std::string& file = "") {
    store::Checkpoint cp{kHeader.size() + kRow1.size(), 3, {}, header_to_json(kNames), 4, ""};
    cp.progress.rows_read = 1;
    cp.progress.rows_loaded = 1;
    cp.state_json = to_json(ResumeState{resumable, false, file, ""});
    return cp;
  }
  using SqliteTaskTest::reload;
  store::Task reload() { return reload(task_.id); }

  FakeOpener opener_;
  PipelineConfig config_;
  CancellationToken stop_;
  store::Task task_;
};

TEST_F(LoadRunTest, OpenSourceFailsOnAnUnknownEntity) {
  task_ = create_and_claim();
  task_.entity_type = "no_such_entity";
  Status s = make_run()->open_source();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "unknown_entity_type");
}

TEST_F(LoadRunTest, OpenSourceKeepsAResumableCheckpoint) {
  task_ = create_and_claim();
  checkpoint(after_row1(true));
  auto run = make_run();
  ASSERT_TRUE(run->open_source().ok());
  EXPECT_TRUE(run->resuming());
  EXPECT_EQ(run->header_names(), kNames);
  EXPECT_EQ(run->progress().rows_read, 1u);
  EXPECT_TRUE(reload().checkpoint.has_value());
}

TEST_F(LoadRunTest, OpenSourceStartsOverFromACheckpointItCannotResume) {
  task_ = create_and_claim();
  checkpoint(after_row1(false));  // say a gzip file: its offsets are not the CSV's
  auto run = make_run();
  ASSERT_TRUE(run->open_source().ok());
  EXPECT_FALSE(run->resuming());
  EXPECT_TRUE(run->header_names().empty());
  EXPECT_EQ(run->progress().rows_read, 0u);
  EXPECT_FALSE(reload().checkpoint.has_value()) << "the stage is dropped";
}

TEST_F(LoadRunTest, OpenSourceFindsTheCheckpointsFileUnderThePrefixOrFails) {
  FakeBucket bucket;
  bucket.objects = {{"exp/a.csv", kHeader + kRow1}, {"exp/b.csv", kHeader + kRow1 + kRow2}};
  task_ = create_and_claim("s3://bucket/exp/");
  checkpoint(after_row1(true, "exp/b.csv"));
  auto run = make_run(&bucket);
  ASSERT_TRUE(run->open_source().ok());
  EXPECT_EQ(run->file_index(), 1u);

  bucket.objects.erase("exp/b.csv");
  Status s = make_run(&bucket)->open_source();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "object_changed");
  EXPECT_NE(s.error().message.find("exp/b.csv"), std::string::npos);
}

TEST_F(LoadRunTest, OpenFirstFileReadsTheHeaderAndTheSize) {
  opener_.content = kHeader + kRow1;
  task_ = create_and_claim();
  auto run = make_run();
  ASSERT_TRUE(run->open_source().ok());
  ASSERT_TRUE(run->open_first_file().ok());
  EXPECT_EQ(run->header_names(), kNames);
  EXPECT_EQ(run->progress().bytes_total, opener_.content.size());
  EXPECT_EQ(opener_.seen_offsets, std::vector<uint64_t>{0});
}

TEST_F(LoadRunTest, OpenFirstFileResumesAtTheCheckpointWithoutReadingAHeader) {
  opener_.content = kHeader + kRow1 + kRow2;
  task_ = create_and_claim();
  checkpoint(after_row1(true));
  auto run = make_run();
  ASSERT_TRUE(run->open_source().ok());
  ASSERT_TRUE(run->open_first_file().ok());
  EXPECT_EQ(opener_.seen_offsets, std::vector<uint64_t>{task_.checkpoint->byte_offset});
  ASSERT_TRUE(run->bind_header().ok());
  EXPECT_EQ(run->stage_rows().outcome, Outcome::kDone);
  EXPECT_EQ(run->progress().rows_read, 2u) << "the checkpoint's row and the one after it";
  EXPECT_EQ(reload().checkpoint->batches, 5u) << "counted on from the checkpoint's 4";
}

TEST_F(LoadRunTest, OpenFirstFileFailsOnAnEmptyFile) {
  opener_.content = "";
  task_ = create_and_claim();
  auto run = make_run();
  ASSERT_TRUE(run->open_source().ok());
  Status s = run->open_first_file();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "empty_file");
}

TEST_F(LoadRunTest, AnInterruptedOpenEndsAsItsCauseAsks) {
  opener_.open_error = Error(Errc::kCancelled, "the transfer was interrupted");
  task_ = create_and_claim();
  auto run = make_run();
  ASSERT_TRUE(run->open_source().ok());
  Status s = run->open_first_file();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(run->outcome_of_read(s.error()), Outcome::kFailed) << "no cause: not an interruption";
  stop_.cancel();
  EXPECT_EQ(run->outcome_of_read(s.error()), Outcome::kStopped);
  EXPECT_EQ(run->outcome_of_read(Error("connection_failed", "reset")), Outcome::kFailed);
}

TEST_F(LoadRunTest, BindHeaderFailsOnMissingColumns) {
  opener_.content = "employee_external_id,language,external_id,course_id\ne1,en,x1,c1\n";
  task_ = create_and_claim();
  auto run = make_run();
  ASSERT_TRUE(run->open_source().ok());
  ASSERT_TRUE(run->open_first_file().ok());
  Status s = run->bind_header();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "missing_columns");
}

TEST_F(LoadRunTest, StageRowsStagesEveryBatchWithItsCheckpoint) {
  config_.batch_rows = 1;
  const std::string csv = kHeader + kRow1 + kRow2;
  auto run = ready(csv);
  EXPECT_EQ(run->stage_rows().outcome, Outcome::kDone);
  EXPECT_EQ(run->progress().rows_read, 2u);
  EXPECT_EQ(run->progress().rows_loaded, 2u);
  const store::Task t = reload();
  ASSERT_TRUE(t.checkpoint.has_value());
  EXPECT_EQ(t.checkpoint->byte_offset, csv.size());
  EXPECT_EQ(t.checkpoint->batches, 3u) << "one per row, and the last (empty) one at the end";
  EXPECT_EQ(event_count("e1"), 0u) << "staged, not published";
}

TEST_F(LoadRunTest, StageRowsReportsBadRowsAsRowErrors) {
  auto run = ready(kHeader + kRow1 + "e1,zz,x2,2021-01-02,c2\n");
  EXPECT_EQ(run->stage_rows().outcome, Outcome::kDone);
  EXPECT_EQ(run->progress().rows_rejected, 1u);
  auto errors = store_->row_errors(task_.id, 10);
  ASSERT_TRUE(errors.ok());
  ASSERT_EQ(errors->size(), 1u);
  EXPECT_EQ((*errors)[0].line, 3u);
  EXPECT_EQ((*errors)[0].column, "language");
  EXPECT_EQ((*errors)[0].code, "invalid_language");
}

TEST_F(LoadRunTest, StageRowsFailsWhenAbortMeetsARejectedRow) {
  LoadOptions options;
  options.on_error = OnError::kAbort;
  auto run = ready(kHeader + "e1,zz,x1,2021-01-01,c1\n" + kRow2, options);
  const LoadEnd how = run->stage_rows();
  EXPECT_EQ(how.outcome, Outcome::kFailed);
  EXPECT_EQ(how.error.code, "rejected_rows_abort");
  EXPECT_EQ(run->progress().rows_read, 1u) << "the rows after it are not read";
  auto errors = store_->row_errors(task_.id, 10);
  ASSERT_TRUE(errors.ok());
  EXPECT_EQ(errors->size(), 1u) << "the report of the rejected row is staged";
}

TEST_F(LoadRunTest, StageRowsStagesWhatWasReadBeforeAShutdown) {
  auto run = ready(kHeader + kRow1 + kRow2);
  stop_.cancel();
  EXPECT_EQ(run->stage_rows().outcome, Outcome::kStopped);
  const store::Task t = reload();
  ASSERT_TRUE(t.checkpoint.has_value());
  EXPECT_EQ(t.checkpoint->byte_offset, kHeader.size()) << "the header was read, no row";
}

TEST_F(LoadRunTest, StageRowsFailsOnAReadError) {
  opener_.fail_after = kHeader.size() + 5;
  auto run = ready(kHeader + kRow1 + kRow2);
  const LoadEnd how = run->stage_rows();
  EXPECT_EQ(how.outcome, Outcome::kFailed);
  EXPECT_EQ(how.error.code, "connection_failed");
}

TEST_F(LoadRunTest, StageRowsEndsLostWhenAnotherWorkerTookTheTask) {
  auto run = ready(kHeader + kRow1);
  ASSERT_TRUE(store_->release_lease(task_.id, kWorker).ok());
  claim("other-worker");
  EXPECT_EQ(run->stage_rows().outcome, Outcome::kLost) << "the refused write ends the run";
}

TEST_F(LoadRunTest, StageRowsGoesOnWithTheNextFileOfAPrefixWithTheSameHeader) {
  FakeBucket bucket;
  bucket.objects = {{"exp/a.csv", kHeader + kRow1},
                    {"exp/b.csv", kHeader + kRow2},
                    {"exp/c.csv", "employee_external_id,language\ne1,en\n"}};
  task_ = create_and_claim("s3://bucket/exp/");
  auto run = make_run(&bucket);
  ASSERT_TRUE(run->open_source().ok());
  ASSERT_TRUE(run->open_first_file().ok());
  ASSERT_TRUE(run->bind_header().ok());
  const LoadEnd how = run->stage_rows();
  EXPECT_EQ(how.outcome, Outcome::kFailed);
  EXPECT_EQ(how.error.code, "header_mismatch");
  EXPECT_NE(how.error.message.find("exp/c.csv"), std::string::npos);
  EXPECT_EQ(run->file_index(), 1u) << "b was read; c failed at its header";
  EXPECT_EQ(run->progress().rows_read, 2u);
}

TEST_F(LoadRunTest, EndPublishesARunThatReadEverything) {
  auto run = ready(kHeader + kRow1 + kRow2);
  const LoadEnd how = run->stage_rows();
  EXPECT_EQ(run->end(how), TaskStatus::kCompleted);
  const store::Task t = reload();
  EXPECT_EQ(t.status, TaskStatus::kCompleted);
  EXPECT_EQ(t.progress.rows_loaded, 2u);
  EXPECT_EQ(t.progress.bytes_read, (kHeader + kRow1 + kRow2).size());
  EXPECT_TRUE(t.sealed_credentials.empty());
  EXPECT_EQ(event_count("e1"), 2u);
}

TEST_F(LoadRunTest, EndRecordsAFailureWithItsErrorAndDropsTheStage) {
  auto run = ready(kHeader + kRow1);
  ASSERT_EQ(run->stage_rows().outcome, Outcome::kDone);
  EXPECT_EQ(run->end({Outcome::kFailed, Error("some_code", "some message")}), TaskStatus::kFailed);
  const store::Task t = reload();
  EXPECT_EQ(t.status, TaskStatus::kFailed);
  ASSERT_TRUE(t.error.has_value());
  EXPECT_EQ(t.error->code, "some_code");
  EXPECT_FALSE(t.checkpoint.has_value());
  EXPECT_EQ(event_count("e1"), 0u);
}

TEST_F(LoadRunTest, EndRecordsACancelWithoutAnError) {
  task_ = create_and_claim();
  EXPECT_EQ(make_run()->end({Outcome::kCancelled, Error(Errc::kCancelled, "interrupted")}),
            TaskStatus::kCancelled);
  const store::Task t = reload();
  EXPECT_EQ(t.status, TaskStatus::kCancelled);
  EXPECT_FALSE(t.error.has_value());
  EXPECT_TRUE(t.sealed_credentials.empty());
}

TEST_F(LoadRunTest, EndHandsAStoppedRunBackWithItsStage) {
  auto run = ready(kHeader + kRow1);
  stop_.cancel();
  ASSERT_EQ(run->stage_rows().outcome, Outcome::kStopped);
  EXPECT_EQ(run->end({Outcome::kStopped, {}}), TaskStatus::kRunning);
  const store::Task again = claim("other-worker");
  EXPECT_EQ(again.id, task_.id) << "released: claimable at once";
  EXPECT_TRUE(again.checkpoint.has_value());
}

TEST_F(LoadRunTest, EndLeavesALostRunAlone) {
  task_ = create_and_claim();
  EXPECT_EQ(make_run()->end({Outcome::kLost, {}}), TaskStatus::kRunning);
  const store::Task t = reload();
  EXPECT_EQ(t.status, TaskStatus::kRunning);
  EXPECT_EQ(t.worker_id, kWorker) << "the lease is not released";
  EXPECT_FALSE(t.sealed_credentials.empty());
}

TEST_F(LoadRunTest, EndShowsRunningWhenTheEndCannotBeRecorded) {
  task_ = create_and_claim();
  ASSERT_TRUE(store_->release_lease(task_.id, kWorker).ok());
  claim("other-worker");
  EXPECT_EQ(make_run()->end({Outcome::kFailed, Error("some_code", "m")}), TaskStatus::kRunning);
  const store::Task t = reload();
  EXPECT_EQ(t.status, TaskStatus::kRunning);
  EXPECT_FALSE(t.error.has_value());
}

}  // namespace
}  // namespace skillsync::tasks::internal
