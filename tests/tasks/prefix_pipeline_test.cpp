// Prefix loads ("s3://bucket/dir/"): every object under the prefix, in key
// order, as one task; and a "per_check" source's task, which loads its own
// list of objects; against a real SQLite store and a fake bucket.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <functional>
#include <map>

#include "common/crypto.hpp"
#include "fake_sources.hpp"
#include "sqlite_task_test.hpp"

namespace skillsync::tasks {
namespace {

constexpr const char* kHeader = "employee_external_id,language,external_id,timestamp,course_id\n";

class PrefixPipelineTest : public SqliteTaskTest {
 protected:
  store::Task make_task(const std::string& uri = "s3://bucket/exp/", LoadOptions options = {}) {
    return create_and_claim(uri, options);
  }
  store::TaskStatus run(const store::Task& task, PipelineConfig config = {},
                        std::string_view worker = kWorker) {
    LoadPipeline pipeline(*store_, bucket_, key_, SystemClock::instance(), config);
    return pipeline.run(task, worker, *stop_);
  }
  std::string course_of(const std::string& employee, const std::string& id) {
    auto e = store_->get_event(store::kDefaultTenant, employee, id);
    if (!e.ok() || !e->has_value()) return "";
    return std::string(boost::json::parse((*e)->event.content_json).at("course_id").as_string());
  }

  FakeBucket bucket_;
  std::unique_ptr<CancellationToken> stop_ = std::make_unique<CancellationToken>();
};

TEST_F(PrefixPipelineTest, LoadsEveryFileInKeyOrderAsOneTask) {
  bucket_.objects = {
      {"exp/", ""},      // the console's folder marker
      {"exp/sub/", ""},  // another one
      {"exp/c.csv", std::string(kHeader) + "e1,en,same,2021-01-03,from-c\ne1,en,c1,2021-01-03,c\n"},
      {"exp/a.csv", std::string(kHeader) + "e1,en,same,2021-01-01,from-a\ne1,en,a1,2021-01-01,a\n"},
      {"exp/b.csv", std::string(kHeader) + "e1,en,b1,2021-01-02,b\ne1,en,b2,not-a-date,b\n"},
      {"other/x.csv", "not under the prefix"},
  };
  store::Task task = make_task();
  EXPECT_EQ(run(task), store::TaskStatus::kCompletedWithErrors);
  EXPECT_EQ(bucket_.opens,
            (std::vector<std::string>{
                "exp/a.csv@0 " + FakeBucket::etag_of(bucket_.objects["exp/a.csv"]),
                "exp/b.csv@0 " + FakeBucket::etag_of(bucket_.objects["exp/b.csv"]),
                "exp/c.csv@0 " + FakeBucket::etag_of(bucket_.objects["exp/c.csv"])}));
  store::Task t = reload(task.id);
  const uint64_t total = bucket_.objects["exp/a.csv"].size() + bucket_.objects["exp/b.csv"].size() +
                         bucket_.objects["exp/c.csv"].size();
  EXPECT_EQ(t.progress.bytes_total, total);
  EXPECT_EQ(t.progress.bytes_read, total);
  EXPECT_EQ(t.progress.rows_read, 6u);
  EXPECT_EQ(t.progress.rows_loaded, 5u);
  EXPECT_EQ(t.progress.rows_rejected, 1u);
  EXPECT_EQ(t.progress.rows_superseded, 1u);
  EXPECT_EQ(event_count("e1"), 4u);
  EXPECT_EQ(course_of("e1", "same"), "from-c") << "the later file in key order wins";

  auto errors = store_->row_errors(task.id, 10);
  ASSERT_TRUE(errors.ok());
  ASSERT_EQ(errors->size(), 1u);
  EXPECT_EQ((*errors)[0].file, "exp/b.csv");
  EXPECT_EQ((*errors)[0].line, 3u) << "line numbers are per file";
  EXPECT_EQ((*errors)[0].column, "timestamp");
  EXPECT_TRUE(t.sealed_credentials.empty());
}

TEST_F(PrefixPipelineTest, AFileWithAnotherHeaderFailsTheTaskAndNamesIt) {
  bucket_.objects = {
      {"exp/a.csv", std::string(kHeader) + "e1,en,a1,2021-01-01,a\n"},
      {"exp/b.csv",
       "employee_external_id,language,external_id,timestamp,learning_title\ne1,en,b1,2021,t\n"},
  };
  store::Task task = make_task();
  EXPECT_EQ(run(task), store::TaskStatus::kFailed);
  store::Task t = reload(task.id);
  ASSERT_TRUE(t.error.has_value());
  EXPECT_EQ(t.error->code, "header_mismatch");
  EXPECT_EQ(t.error->message,
            "file exp/b.csv has another header than exp/a.csv: column 5 is 'learning_title', "
            "expected 'course_id'");
  EXPECT_EQ(event_count("e1"), 0u);

  bucket_.objects["exp/b.csv"] =
      std::string(kHeader).insert(std::string(kHeader).size() - 1, ",x") +
      "e1,en,b1,2021-01-01,b,x\n";
  task = make_task();
  EXPECT_EQ(run(task), store::TaskStatus::kFailed);
  EXPECT_EQ(reload(task.id).error->message,
            "file exp/b.csv has another header than exp/a.csv: it has 6 columns, expected 5 "
            "(extra column 'x')");
}

TEST_F(PrefixPipelineTest, AnEmptyPrefixFailsWithNoObjects) {
  bucket_.objects = {{"exp/", ""}, {"expired.csv", std::string(kHeader)}};
  store::Task task = make_task();
  EXPECT_EQ(run(task), store::TaskStatus::kFailed);
  store::Task t = reload(task.id);
  EXPECT_EQ(t.error->code, "no_objects");
  EXPECT_NE(t.error->message.find("s3://bucket/exp/"), std::string::npos);
  EXPECT_TRUE(bucket_.opens.empty());
  EXPECT_TRUE(t.sealed_credentials.empty());
}

TEST_F(PrefixPipelineTest, AnEmptyFileFailsAndIsNamed) {
  bucket_.objects = {{"exp/a.csv", std::string(kHeader) + "e1,en,a1,2021-01-01,a\n"},
                     {"exp/b.csv", ""}};
  store::Task task = make_task();
  EXPECT_EQ(run(task), store::TaskStatus::kFailed);
  store::Task t = reload(task.id);
  EXPECT_EQ(t.error->code, "empty_file");
  EXPECT_NE(t.error->message.find("exp/b.csv"), std::string::npos);
}

TEST_F(PrefixPipelineTest, AbortNamesTheFileOfTheRejectedRow) {
  bucket_.objects = {
      {"exp/a.csv", std::string(kHeader) + "e1,en,a1,2021-01-01,a\n"},
      {"exp/b.csv", std::string(kHeader) + "e1,en,b1,2021-01-01,b\ne1,zz,b2,2021,b\n"}};
  LoadOptions options;
  options.on_error = OnError::kAbort;
  store::Task task = make_task("s3://bucket/exp/", options);
  EXPECT_EQ(run(task), store::TaskStatus::kFailed);
  store::Task t = reload(task.id);
  EXPECT_EQ(t.error->code, "rejected_rows_abort");
  EXPECT_TRUE(t.error->message.starts_with("file exp/b.csv line 3 was rejected"))
      << t.error->message;
  EXPECT_EQ(event_count("e1"), 0u);
}

// Three files of 40 rows, read in batches of 7; a stop in the middle of the
// second file; the next claim continues in that file at the checkpoint's
// offset (the first file is not read again) and then reads the third.
std::string rows(const std::string& file, int n, int bad_every) {
  std::string csv = kHeader;
  for (int i = 0; i < n; ++i) {
    if (bad_every > 0 && i % bad_every == 0) {
      csv += "e1,en,bad id " + file + std::to_string(i) + ",2021-01-01,c\n";
    } else {
      csv += "e1,en," + file + "-" + std::to_string(i) + ",2021-01-01,\"c\r\n" + file + "\"\n";
    }
  }
  return csv;
}

TEST_F(PrefixPipelineTest, ResumesInTheSecondFileFromTheCheckpoint) {
  bucket_.objects = {{"exp/1.csv", rows("one", 40, 0)},
                     {"exp/2.csv", rows("two", 40, 9)},
                     {"exp/3.csv", rows("three", 40, 0)}};
  PipelineConfig config;
  config.batch_rows = 7;
  store::Task task = make_task();
  int reads_in_two = 0;
  bucket_.on_read = [&](const std::string& key) {
    if (key == "exp/2.csv" && ++reads_in_two == 20) stop_->cancel();
  };
  EXPECT_EQ(run(task, config), store::TaskStatus::kRunning);
  EXPECT_EQ(event_count("e1"), 0u) << "nothing is visible before the task completes";
  EXPECT_EQ(bucket_.opens.size(), 2u);

  bucket_.on_read = nullptr;
  stop_ = std::make_unique<CancellationToken>();
  bucket_.opens.clear();
  store::Task again = claim("other-worker");
  ASSERT_TRUE(again.checkpoint.has_value());
  const uint64_t offset = again.checkpoint->byte_offset;
  EXPECT_GT(offset, 0u);
  EXPECT_LT(offset, bucket_.objects["exp/2.csv"].size());
  EXPECT_NE(again.checkpoint->state_json.find("exp/2.csv"), std::string::npos);
  EXPECT_EQ(run(again, config, "other-worker"), store::TaskStatus::kCompletedWithErrors);
  ASSERT_EQ(bucket_.opens.size(), 2u);
  EXPECT_EQ(bucket_.opens[0], "exp/2.csv@" + std::to_string(offset) + " " +
                                  FakeBucket::etag_of(bucket_.objects["exp/2.csv"]))
      << "the file is pinned to the version the load started with";
  EXPECT_TRUE(bucket_.opens[1].starts_with("exp/3.csv@0 "));

  store::Task t = reload(task.id);
  EXPECT_EQ(t.progress.rows_read, 120u);
  EXPECT_EQ(t.progress.rows_rejected, 5u);  // rows 0, 9, 18, 27, 36 of the second file
  EXPECT_EQ(t.progress.rows_loaded, 115u);
  uint64_t total = 0;
  for (const auto& [k, v] : bucket_.objects) total += v.size();
  EXPECT_EQ(t.progress.bytes_total, total);
  EXPECT_EQ(t.progress.bytes_read, total);
  EXPECT_EQ(event_count("e1"), 115u);
  EXPECT_EQ(course_of("e1", "three-39"), "c\r\nthree");
  auto errors = store_->row_errors(task.id, 100);
  ASSERT_TRUE(errors.ok());
  ASSERT_EQ(errors->size(), 5u);
  for (size_t i = 0; i < errors->size(); ++i) {
    EXPECT_EQ((*errors)[i].file, "exp/2.csv");
    // Line 1 is the header; each good row takes two physical lines.
    EXPECT_EQ((*errors)[i].line, 2 + 17 * i) << "bad row " << i;
  }
}

TEST_F(PrefixPipelineTest, AFileChangedBeforeTheResumeFailsTheTask) {
  bucket_.objects = {{"exp/1.csv", rows("one", 40, 0)}, {"exp/2.csv", rows("two", 40, 0)}};
  PipelineConfig config;
  config.batch_rows = 5;
  store::Task task = make_task();
  int reads = 0;
  bucket_.on_read = [&](const std::string& key) {
    if (key == "exp/2.csv" && ++reads == 10) stop_->cancel();
  };
  EXPECT_EQ(run(task, config), store::TaskStatus::kRunning);
  bucket_.on_read = nullptr;
  stop_ = std::make_unique<CancellationToken>();
  bucket_.objects["exp/2.csv"] += "e1,en,late,2021-01-01,c\n";
  EXPECT_EQ(run(claim("other-worker"), config, "other-worker"), store::TaskStatus::kFailed);
  store::Task t = reload(task.id);
  EXPECT_EQ(t.error->code, "object_changed");
  EXPECT_EQ(event_count("e1"), 0u);
}

TEST_F(PrefixPipelineTest, AResumedFileThatVanishedFailsTheTask) {
  bucket_.objects = {{"exp/1.csv", rows("one", 40, 0)}, {"exp/2.csv", rows("two", 40, 0)}};
  PipelineConfig config;
  config.batch_rows = 5;
  store::Task task = make_task();
  int reads = 0;
  bucket_.on_read = [&](const std::string& key) {
    if (key == "exp/2.csv" && ++reads == 10) stop_->cancel();
  };
  EXPECT_EQ(run(task, config), store::TaskStatus::kRunning);
  bucket_.on_read = nullptr;
  stop_ = std::make_unique<CancellationToken>();
  bucket_.objects.erase("exp/2.csv");
  EXPECT_EQ(run(claim("other-worker"), config, "other-worker"), store::TaskStatus::kFailed);
  store::Task t = reload(task.id);
  EXPECT_EQ(t.error->code, "object_changed");
  EXPECT_NE(t.error->message.find("exp/2.csv"), std::string::npos);
}

// A task of a "per_check" source (Store::record_files_and_create_task): it
// loads exactly the objects (key, ETag) its check chose, not the prefix.
class SourceTaskTest : public PrefixPipelineTest {
 protected:
  // Creates the source and the task of `keys`, pinned to `etags` (default:
  // the bucket's current ones), and claims it.
  store::Task make_source_task(const std::vector<std::string>& keys,
                               std::vector<std::string> etags = {}) {
    store::Source source;
    source.id = "src_1";
    source.name = source.entity_type = "learning";
    source.method = "s3_iam_user";
    source.uri = "s3://bucket/exp/";
    source.pattern = "*.csv";
    source.schedule_seconds = 60;
    EXPECT_TRUE(store_->create_source(source).ok());
    std::vector<store::SourceFile> files;
    for (size_t i = 0; i < keys.size(); ++i) {
      const std::string& content = bucket_.objects[keys[i]];
      files.push_back({source.id, keys[i],
                       i < etags.size() ? etags[i] : FakeBucket::etag_of(content), content.size(),
                       0, 0, "", ""});
    }
    store::Task task;
    task.id = "flt_source_task";
    task.entity_type = "learning";
    task.method = "s3_iam_user";
    task.uri = source.uri;
    task.source_id = source.id;
    source::s3::Credentials creds;
    creds.access_key_id = "AKIDEXAMPLE";
    creds.secret_access_key = SecretString("s3cr3t-value");
    task.sealed_credentials = seal_credentials(key_, task.id, creds);
    auto recorded = store_->record_files_and_create_task(files, task);
    EXPECT_TRUE(recorded.ok() && recorded->size() == keys.size());
    return claim(kWorker);
  }
};

TEST_F(SourceTaskTest, LoadsExactlyItsObjectsPinnedToTheirETags) {
  bucket_.objects = {{"exp/a.csv", std::string(kHeader) + "e1,en,a1,2021-01-01,a\n"},
                     {"exp/b.csv", std::string(kHeader) + "e1,en,b1,2021-01-01,b\n"},
                     {"exp/c.csv", std::string(kHeader) + "e1,en,c1,2021-01-01,c\n"}};
  store::Task task = make_source_task({"exp/a.csv", "exp/c.csv"});
  EXPECT_EQ(run(task), store::TaskStatus::kCompleted);
  EXPECT_EQ(bucket_.opens,
            (std::vector<std::string>{
                "exp/a.csv@0 " + FakeBucket::etag_of(bucket_.objects["exp/a.csv"]),
                "exp/c.csv@0 " + FakeBucket::etag_of(bucket_.objects["exp/c.csv"])}));
  EXPECT_EQ(event_count("e1"), 2u);
  EXPECT_EQ(course_of("e1", "b1"), "") << "b.csv was not the check's";
  store::Task t = reload(task.id);
  EXPECT_EQ(t.progress.bytes_total,
            bucket_.objects["exp/a.csv"].size() + bucket_.objects["exp/c.csv"].size());
}

TEST_F(SourceTaskTest, AnObjectChangedSinceTheCheckFailsTheTaskAndStoresNothing) {
  bucket_.objects = {{"exp/a.csv", std::string(kHeader) + "e1,en,a1,2021-01-01,a\n"},
                     {"exp/b.csv", std::string(kHeader) + "e1,en,b1,2021-01-01,b\n"}};
  store::Task task = make_source_task(
      {"exp/a.csv", "exp/b.csv"},
      {FakeBucket::etag_of(bucket_.objects["exp/a.csv"]), "\"the version the check saw\""});
  EXPECT_EQ(run(task), store::TaskStatus::kFailed);
  store::Task t = reload(task.id);
  EXPECT_EQ(t.error->code, "object_changed");
  EXPECT_EQ(event_count("e1"), 0u) << "one atomic publish: a.csv is not stored either";
}

}  // namespace
}  // namespace skillsync::tasks
