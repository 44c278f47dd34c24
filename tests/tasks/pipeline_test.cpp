// LoadPipeline against a real SQLite store, with fake object openers at the
// I/O boundary to reach the fault paths.
#include <gtest/gtest.h>

#include <zlib.h>
#include <boost/json.hpp>
#include <cstdlib>

#include <filesystem>
#include <functional>

#include "common/crypto.hpp"
#include "fake_sources.hpp"
#include "sqlite_task_test.hpp"

namespace skillsync::tasks {
namespace {

class PipelineTest : public SqliteTaskTest {
 protected:
  store::Task make_task(LoadOptions options = {}) {
    return create_and_claim("s3://bucket/file.csv", options);
  }

  store::TaskStatus run(const std::string& csv, PipelineConfig config = {},
                        LoadOptions options = {}) {
    opener_.content = csv;
    task_ = make_task(options);
    LoadPipeline pipeline(*store_, opener_, key_, SystemClock::instance(), config);
    CancellationToken never;
    return pipeline.run(task_, kWorker, never);
  }

  using SqliteTaskTest::reload;
  store::Task reload() { return reload(task_.id); }

  FakeOpener opener_;
  store::Task task_;
};

constexpr const char* kSeed =
    "employee_external_id,language,external_id,timestamp,course_id,source\n"
    "employee-1,en,learning-1,2021-01-01T00:00:00Z,course-1,source-1\n"
    "employee-2,en,learning-2,2021-01-01T00:00:00Z,course-2,source-2\n";

TEST_F(PipelineTest, LoadsTheSeedExample) {
  EXPECT_EQ(run(kSeed), store::TaskStatus::kCompleted);
  EXPECT_EQ(opener_.seen_secret, "s3cr3t-value");
  store::Task t = reload();
  EXPECT_EQ(t.status, store::TaskStatus::kCompleted);
  EXPECT_EQ(t.progress.rows_read, 2u);
  EXPECT_EQ(t.progress.rows_loaded, 2u);
  EXPECT_EQ(t.progress.rows_rejected, 0u);
  EXPECT_EQ(t.progress.bytes_read, std::string(kSeed).size());
  EXPECT_EQ(t.progress.bytes_total, std::string(kSeed).size());
  EXPECT_TRUE(t.sealed_credentials.empty()) << "credentials must be erased when a task ends";
  EXPECT_TRUE(t.finished_at.has_value());

  auto e = store_->get_event(store::kDefaultTenant, "employee-2", "learning-2");
  ASSERT_TRUE(e.ok() && e->has_value());
  const auto& ev = **e;
  EXPECT_EQ(ev.event.event_type, "learning");
  EXPECT_EQ(ev.event.language, "en");
  EXPECT_EQ(format_rfc3339(ev.event.timestamp), "2021-01-01T00:00:00Z");
  EXPECT_EQ(boost::json::parse(ev.event.content_json),
            boost::json::parse(R"({"course_id":"course-2"})"));
  EXPECT_EQ(ev.event.source, "source-2");
  EXPECT_EQ(ev.task_id, task_.id);
}

TEST_F(PipelineTest, RejectsBadRowsAndLoadsTheRest) {
  std::string csv =
      "employee_external_id,language,external_id,timestamp,course_id\n"
      "e1,en,x1,2021-01-01T00:00:00Z,c1\n"
      "e1,en,x2,2021-13-01T00:00:00Z,c2\n"
      "e1,xx,x3,2021-01-01,c3\n"
      "e1,en,x4,2021-01-02,\"c4\n";
  EXPECT_EQ(run(csv), store::TaskStatus::kCompletedWithErrors);
  store::Task t = reload();
  EXPECT_EQ(t.progress.rows_read, 4u);
  EXPECT_EQ(t.progress.rows_loaded, 1u);
  EXPECT_EQ(t.progress.rows_rejected, 3u);
  auto errors = store_->row_errors(task_.id, 100);
  ASSERT_TRUE(errors.ok());
  ASSERT_EQ(errors->size(), 3u);
  EXPECT_EQ((*errors)[0].line, 3u);
  EXPECT_EQ((*errors)[0].column, "timestamp");
  EXPECT_EQ((*errors)[0].code, "invalid_timestamp");
  EXPECT_EQ((*errors)[0].raw, "e1,en,x2,2021-13-01T00:00:00Z,c2");
  EXPECT_EQ((*errors)[1].line, 4u);
  EXPECT_EQ((*errors)[1].column, "language");
  EXPECT_EQ((*errors)[1].code, "invalid_language");
  EXPECT_EQ((*errors)[2].line, 5u);
  EXPECT_EQ((*errors)[2].code, "unterminated_quote");
  EXPECT_EQ(event_count("e1"), 1u);
}

TEST_F(PipelineTest, MissingColumnFailsBeforeAnythingLoads) {
  EXPECT_EQ(run("employee_external_id,language,external_id,course_id\ne1,en,x1,c1\n"),
            store::TaskStatus::kFailed);
  store::Task t = reload();
  ASSERT_TRUE(t.error.has_value());
  EXPECT_EQ(t.error->code, "missing_columns");
  EXPECT_NE(t.error->message.find("timestamp"), std::string::npos);
  EXPECT_EQ(event_count("e1"), 0u);
  EXPECT_TRUE(t.sealed_credentials.empty());
}

TEST_F(PipelineTest, SourceErrorFailsWithS3Code) {
  opener_.open_error = Error{"NoSuchKey", "S3 GET s3://bucket/file.csv: 404 NoSuchKey"};
  EXPECT_EQ(run(kSeed), store::TaskStatus::kFailed);
  store::Task t = reload();
  ASSERT_TRUE(t.error.has_value());
  EXPECT_EQ(t.error->code, "NoSuchKey");
  EXPECT_TRUE(t.sealed_credentials.empty());
}

TEST_F(PipelineTest, FailureMidStreamLeavesNoRowsBehind) {
  std::string csv = "employee_external_id,language,external_id,timestamp,course_id\n";
  for (int i = 0; i < 1000; ++i) csv += "e1,en,x" + std::to_string(i) + ",2021-01-01,c\n";
  opener_.fail_after = csv.size() - 100;
  PipelineConfig config;
  config.batch_rows = 100;  // several batches are staged before the failure
  EXPECT_EQ(run(csv, config), store::TaskStatus::kFailed);
  store::Task t = reload();
  ASSERT_TRUE(t.error.has_value());
  EXPECT_EQ(t.error->code, "connection_failed");
  EXPECT_EQ(event_count("e1"), 0u);
}

TEST_F(PipelineTest, EmptyFileFailsAndHeaderOnlyCompletes) {
  EXPECT_EQ(run(""), store::TaskStatus::kFailed);
  EXPECT_EQ(reload().error->code, "empty_file");
  EXPECT_EQ(run("employee_external_id,language,external_id,timestamp,course_id\n"),
            store::TaskStatus::kCompleted);
  EXPECT_EQ(reload().progress.rows_read, 0u);
}

TEST_F(PipelineTest, LaterRowWinsAcrossBatches) {
  std::string csv = "employee_external_id,language,external_id,timestamp,course_id\n";
  for (int i = 0; i < 10; ++i) {
    csv += "e1,en,same,2021-01-01,course-" + std::to_string(i) + "\n";
  }
  PipelineConfig config;
  config.batch_rows = 3;
  EXPECT_EQ(run(csv, config), store::TaskStatus::kCompleted);
  EXPECT_EQ(event_count("e1"), 1u);
  auto e = store_->get_event(store::kDefaultTenant, "e1", "same");
  ASSERT_TRUE(e.ok() && e->has_value());
  EXPECT_EQ(boost::json::parse((*e)->event.content_json),
            boost::json::parse(R"({"course_id":"course-9"})"));
}

TEST_F(PipelineTest, StopInterruptsWithoutPublishing) {
  opener_.content = kSeed;
  task_ = make_task();
  LoadPipeline pipeline(*store_, opener_, key_, SystemClock::instance());
  CancellationToken stop;
  stop.cancel();
  EXPECT_EQ(pipeline.run(task_, kWorker, stop), store::TaskStatus::kRunning);
  EXPECT_EQ(reload().status, store::TaskStatus::kRunning);
  EXPECT_EQ(event_count("employee-1"), 0u);
}

TEST_F(PipelineTest, WrongMasterKeyFailsTheTaskCleanly) {
  opener_.content = kSeed;
  task_ = make_task();
  MasterKey other{SecretString(crypto::random_bytes(32))};
  LoadPipeline pipeline(*store_, opener_, other, SystemClock::instance());
  CancellationToken never;
  EXPECT_EQ(pipeline.run(task_, kWorker, never), store::TaskStatus::kFailed);
  EXPECT_EQ(reload().error->code, "credentials_unreadable");
}

std::string gzip(const std::string& data) {
  z_stream zs{};
  deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, data.size()) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

TEST_F(PipelineTest, GzipIsDetectedByContentAndProgressCountsCompressedBytes) {
  std::string compressed = gzip(kSeed);
  EXPECT_EQ(run(compressed), store::TaskStatus::kCompleted);
  store::Task t = reload();
  EXPECT_EQ(t.progress.rows_loaded, 2u);
  EXPECT_EQ(t.progress.bytes_total, compressed.size());
  EXPECT_EQ(t.progress.bytes_read, compressed.size());
  EXPECT_EQ(event_count("employee-1"), 1u);
}

TEST_F(PipelineTest, DialectAndEncodingOptions) {
  LoadOptions options;
  options.delimiter = ';';
  options.encoding = csv::Encoding::kLatin1;
  std::string csv =
      "employee_external_id;language;external_id;timestamp;learning_title;learning_description\n"
      "e1;fr;x1;2021-01-01;Caf\xe9;Cr\xe8me, br\xfbl\xe9"
      "e\n";
  EXPECT_EQ(run(csv, {}, options), store::TaskStatus::kCompleted);
  auto e = store_->get_event(store::kDefaultTenant, "e1", "x1");
  ASSERT_TRUE(e.ok() && e->has_value());
  EXPECT_EQ(boost::json::parse((*e)->event.content_json),
            boost::json::parse("{\"learning_title\":\"Caf\xc3\xa9\",\"learning_description\":"
                               "\"Cr\xc3\xa8me, br\xc3\xbbl\xc3\xa9"
                               "e\"}"));
}

TEST_F(PipelineTest, UnknownColumnsFailUnlessIgnored) {
  std::string csv =
      "employee_external_id,language,external_id,timestamp,course_id,colour\n"
      "e1,en,x1,2021-01-01,c1,red\n";
  EXPECT_EQ(run(csv), store::TaskStatus::kFailed);
  EXPECT_EQ(reload().error->code, "unknown_columns");
  LoadOptions options;
  options.ignore_unknown_columns = true;
  EXPECT_EQ(run(csv, {}, options), store::TaskStatus::kCompleted);
  EXPECT_EQ(event_count("e1"), 1u);
}

constexpr const char* kTwoBad =
    "employee_external_id,language,external_id,timestamp,course_id\n"
    "e1,en,x1,2021-01-01,c1\n"
    "e1,en,x2,not-a-date,c2\n"
    "e1,en,x3,2021-01-03,c3\n"
    "e1,zz,x4,2021-01-04,c4\n"
    "e1,en,x5,2021-01-05,c5\n";

TEST_F(PipelineTest, AbortOnFirstRejectedRowStoresNothing) {
  LoadOptions options;
  options.on_error = OnError::kAbort;
  EXPECT_EQ(run(kTwoBad, {}, options), store::TaskStatus::kFailed);
  store::Task t = reload();
  EXPECT_EQ(t.error->code, "rejected_rows_abort");
  EXPECT_NE(t.error->message.find("line 3"), std::string::npos);
  EXPECT_EQ(event_count("e1"), 0u);
  auto errors = store_->row_errors(task_.id, 100);
  ASSERT_TRUE(errors.ok());
  ASSERT_EQ(errors->size(), 1u);
  EXPECT_EQ((*errors)[0].line, 3u);
}

TEST_F(PipelineTest, MaxRejectedRowsFailsOnlyWhenExceeded) {
  LoadOptions options;
  options.max_rejected_rows = 2;
  EXPECT_EQ(run(kTwoBad, {}, options), store::TaskStatus::kCompletedWithErrors);
  EXPECT_EQ(event_count("e1"), 3u);
  options.max_rejected_rows = 1;
  ASSERT_TRUE(store_->delete_event(store::kDefaultTenant, "e1", "x1").ok());
  EXPECT_EQ(run(kTwoBad, {}, options), store::TaskStatus::kFailed);
  EXPECT_EQ(reload().error->code, "too_many_rejected_rows");
  EXPECT_EQ(event_count("e1"), 2u) << "only the first run's rows (less the deleted one) remain";
}

// A shutdown in the middle of a load keeps what was staged; the next claim
// continues from the checkpoint, opening the object at its byte offset, and
// the end result is exactly the file: no row lost, none twice.
TEST_F(PipelineTest, ResumesFromTheCheckpointAfterAStop) {
  std::string csv = "employee_external_id,language,external_id,timestamp,course_id\r\n";
  for (int i = 0; i < 500; ++i) {
    csv += "e1,en,x" + std::to_string(i) + ",2021-01-01,\"c,\r\n" + std::to_string(i) + "\"\r\n";
    if (i % 97 == 0) csv += "e1,en,bad id,2021-01-01,c\r\n";
  }
  PipelineConfig config;
  config.batch_rows = 50;
  opener_.content = csv;
  task_ = make_task();
  CancellationToken stop;
  opener_.on_bytes = [&](size_t read) {
    if (read > csv.size() / 2) stop.cancel();
  };
  {
    LoadPipeline pipeline(*store_, opener_, key_, SystemClock::instance(), config);
    EXPECT_EQ(pipeline.run(task_, kWorker, stop), store::TaskStatus::kRunning);
  }
  EXPECT_EQ(event_count("e1"), 0u) << "nothing is visible before the task completes";
  opener_.on_bytes = nullptr;
  auto again = store_->claim_next_task("other-worker", SystemClock::instance().now(), kLease);
  ASSERT_TRUE(again.ok() && again->has_value()) << "a released task is claimable at once";
  ASSERT_TRUE((*again)->checkpoint.has_value());
  EXPECT_GT((*again)->checkpoint->byte_offset, 0u);
  task_ = **again;
  {
    LoadPipeline pipeline(*store_, opener_, key_, SystemClock::instance(), config);
    CancellationToken never;
    EXPECT_EQ(pipeline.run(task_, "other-worker", never), store::TaskStatus::kCompletedWithErrors);
  }
  ASSERT_EQ(opener_.seen_offsets.size(), 2u);
  EXPECT_EQ(opener_.seen_offsets[1], task_.checkpoint->byte_offset);
  store::Task t = reload();
  EXPECT_EQ(t.progress.rows_read, 506u);
  EXPECT_EQ(t.progress.rows_loaded, 500u);
  EXPECT_EQ(t.progress.rows_rejected, 6u);
  EXPECT_EQ(t.progress.bytes_read, csv.size());
  EXPECT_EQ(event_count("e1"), 500u);
  auto errors = store_->row_errors(task_.id, 100);
  ASSERT_TRUE(errors.ok());
  ASSERT_EQ(errors->size(), 6u);
  for (size_t i = 0; i < errors->size(); ++i) {
    EXPECT_EQ((*errors)[i].line, 4 + 195 * i) << "physical line of bad row " << i;
  }
  auto e = store_->get_event(store::kDefaultTenant, "e1", "x499");
  ASSERT_TRUE(e.ok() && e->has_value());
  EXPECT_EQ(boost::json::parse((*e)->event.content_json),
            boost::json::parse(R"({"course_id":"c,\r\n499"})"));
}

TEST_F(PipelineTest, CancelRequestedBeforeTheRunEndsItCancelled) {
  opener_.content = kSeed;
  task_ = make_task();
  auto requested =
      store_->request_cancel(store::kDefaultTenant, task_.id, SystemClock::instance().now());
  ASSERT_TRUE(requested.ok());
  auto t = store_->get_task(store::kDefaultTenant, task_.id);
  ASSERT_TRUE(t.ok() && t->has_value());
  LoadPipeline pipeline(*store_, opener_, key_, SystemClock::instance());
  CancellationToken never;
  EXPECT_EQ(pipeline.run(**t, kWorker, never), store::TaskStatus::kCancelled);
  EXPECT_EQ(reload().status, store::TaskStatus::kCancelled);
  EXPECT_EQ(event_count("employee-1"), 0u);
}

TEST_F(PipelineTest, DryRunReportsButStoresNothing) {
  LoadOptions options;
  options.dry_run = true;
  std::string csv = std::string(kTwoBad) + "e1,en,x1,2021-02-01,again\n";
  EXPECT_EQ(run(csv, {}, options), store::TaskStatus::kCompletedWithErrors);
  store::Task t = reload();
  EXPECT_EQ(t.progress.rows_loaded, 4u);
  EXPECT_EQ(t.progress.rows_rejected, 2u);
  EXPECT_EQ(t.progress.rows_superseded, 1u);
  EXPECT_EQ(event_count("e1"), 0u);
  EXPECT_TRUE(t.sealed_credentials.empty());
}

TEST_F(PipelineTest, SupersededRowsAreCounted) {
  std::string csv = std::string(kTwoBad) + "e1,en,x1,2021-02-01,again\n";
  EXPECT_EQ(run(csv), store::TaskStatus::kCompletedWithErrors);
  EXPECT_EQ(reload().progress.rows_superseded, 1u);
  EXPECT_EQ(event_count("e1"), 3u);
}

}  // namespace
}  // namespace skillsync::tasks
