// sources/checker, source_request and source_service over a real SQLite
// store and a scripted listing: what each check records and creates, with
// one task per new object (batch "per_file") or per check ("per_check").
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>

#include "common/crypto.hpp"
#include "sources/checker.hpp"
#include "sources/scheduler.hpp"
#include "sources/source_request.hpp"
#include "sources/source_service.hpp"
#include "support/sqlite_store_test.hpp"

namespace skillsync::sources {
namespace {
namespace json = boost::json;
using source::s3::ListedObject;

class FixedClock final : public Clock {
 public:
  Micros now() const override { return t; }
  Micros t = 1'800'000'000'000'000;
};

json::value body(std::string extra = "") {
  return json::parse(R"({"name":"nightly","entity_type":"learning","uri":"s3://bucket/exports/",)"
                     R"("pattern":"learning_*.csv","schedule":{"every":"15m"},)"
                     R"("credentials":{"aws_access_key_id":"AKID","aws_secret_access_key":"s"})" +
                     extra + "}");
}

class CheckerTest : public testsupport::SqliteStoreTest {
 protected:
  void SetUp() override {
    SqliteStoreTest::SetUp();
    if (HasFatalFailure()) return;
    service_.emplace(*store_, key_, clock_, tasks::AccessCheck{}, std::function<void()>{});
    checker_.emplace(*store_, key_, clock_,
                     [this](const store::Source&,
                            const source::s3::Credentials& c) -> Result<std::vector<ListedObject>> {
                       EXPECT_EQ(c.access_key_id, "AKID");  // opened from the seal
                       if (list_error_) return *list_error_;
                       return objects_;
                     });
    auto s =
        service_->create("default", body(R"(,"start_after":"exports/learning_1.csv")"), &errors_);
    ASSERT_TRUE(s.ok()) << s.error().message;
    id_ = s->id;
  }
  store::Source source() { return **store_->get_source("default", id_); }
  CheckOutcome check() { return checker_->check(source()); }
  std::vector<store::SourceFileView> ledger() {
    return store_->list_source_files(id_, 100, "")->items;
  }

  FixedClock clock_;
  tasks::MasterKey key_{SecretString(std::string(32, 'k'))};
  std::vector<ListedObject> objects_;
  std::optional<Error> list_error_;
  std::optional<SourceService> service_;
  std::optional<SourceChecker> checker_;
  std::vector<schema::FieldError> errors_;
  std::string id_;
};

TEST_F(CheckerTest, EachRuleRecordsItsSkipAndNewVersionsLoadOnce) {
  objects_ = {{"exports/learning_1.csv", 10, "\"e1\"", "2026-12-01T00:00:00.000Z"},
              {"exports/learning_2.csv", 10, "\"e2\"", "2026-12-02T00:00:00.000Z"},
              {"exports/learning_3.csv", 0, "\"e3\"", "2026-12-03T00:00:00.000Z"},
              {"exports/notes.txt", 10, "\"e4\"", "2026-12-03T00:00:00.000Z"},
              {"exports/learning_4.csv", kMaxObjectBytes + 1, "\"e5\"", ""}};
  auto out = check();
  EXPECT_FALSE(out.error);
  EXPECT_EQ(out.listed, 5u);
  EXPECT_EQ(out.tasks_created, 1u);
  EXPECT_EQ(out.skipped, 4u);
  auto rows = ledger();
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0].file.skip_reason, "start_after");
  EXPECT_EQ(rows[1].file.skip_reason, "");
  EXPECT_EQ(rows[2].file.skip_reason, "zero_bytes");
  EXPECT_EQ(rows[3].file.skip_reason, "pattern");
  EXPECT_EQ(rows[4].file.skip_reason, "too_large");
  auto task = store_->get_task("default", rows[1].file.task_id);
  ASSERT_TRUE(task.ok() && task->has_value());
  EXPECT_EQ((*task)->uri, "s3://bucket/exports/learning_2.csv");
  EXPECT_EQ((*task)->source_id, id_);
  EXPECT_EQ(tasks::open_credentials(key_, (*task)->id, (*task)->sealed_credentials)->access_key_id,
            "AKID");
  // The same listing again: nothing new.
  out = check();
  EXPECT_EQ(out.tasks_created + out.skipped, 0u);
  // New content under an old key loads again; a new key loads.
  objects_[1].etag = "\"e2-v2\"";
  objects_.push_back({"exports/learning_5.csv", 10, "\"e6\"", "2026-12-05T00:00:00.000Z"});
  out = check();
  EXPECT_EQ(out.tasks_created, 2u);
  EXPECT_EQ(ledger().size(), 7u);
}

TEST_F(CheckerTest, ModifiedAfterSkipsOlderObjects) {
  auto patched = service_->patch(
      "default", id_, json::parse(R"({"modified_after":"2026-12-02T12:00:00Z","start_after":""})"),
      &errors_);
  ASSERT_TRUE(patched.ok()) << patched.error().message;
  objects_ = {{"exports/learning_1.csv", 10, "\"e1\"", "2026-12-01T00:00:00.000Z"},
              {"exports/learning_2.csv", 10, "\"e2\"", "2026-12-03T00:00:00.000Z"}};
  auto out = check();
  EXPECT_EQ(out.tasks_created, 1u);
  EXPECT_EQ(ledger()[0].file.skip_reason, "modified_after");
}

TEST_F(CheckerTest, RefusedCredentialsPutTheSourceInErrorAndOtherFailuresDoNot) {
  list_error_ = Error{"SlowDown", "try later"};
  auto out = check();
  EXPECT_FALSE(out.error);
  EXPECT_TRUE(out.transient_error);
  list_error_ = Error{"AccessDenied", "Access Denied"};
  out = check();
  ASSERT_TRUE(out.error);
  EXPECT_NE(out.error->find("AccessDenied"), std::string::npos);
}

TEST_F(CheckerTest, FailingTasksInARowPutTheSourceInErrorUntilResumed) {
  objects_ = {{"exports/learning_2.csv", 10, "\"a\"", ""},
              {"exports/learning_3.csv", 10, "\"b\"", ""},
              {"exports/learning_4.csv", 10, "\"c\"", ""}};
  ASSERT_EQ(check().tasks_created, 3u);
  const size_t tasks = ledger().size();
  for (size_t i = 0; i < tasks; ++i) {
    auto claimed = store_->claim_next_task("w", clock_.t, 60'000'000);
    ASSERT_TRUE(claimed.ok() && claimed->has_value());
    ASSERT_TRUE(store_
                    ->finish_task((*claimed)->id, "w", store::TaskStatus::kFailed,
                                  store::TaskError{"x", "y"}, {}, clock_.t)
                    .ok());
  }
  auto out = check();
  ASSERT_TRUE(out.error);
  EXPECT_EQ(out.error->rfind("tasks_failing", 0), 0u);
  clock_.t += 1'000'000;
  auto resumed = service_->resume("default", id_);
  ASSERT_TRUE(resumed.ok() && resumed->has_value());
  EXPECT_FALSE(check().error);  // old failures are forgiven
}

TEST_F(CheckerTest, TheSchedulerChecksADueSourceOnceAndSetsTheNextCheck) {
  objects_ = {{"exports/learning_2.csv", 10, "\"a\"", ""}};
  int woken = 0;
  SchedulerConfig config;
  config.on_tasks_created = [&] { ++woken; };
  SourceScheduler scheduler(*store_, *checker_, clock_, config);
  EXPECT_EQ(scheduler.run_due(), 1u);
  EXPECT_EQ(scheduler.run_due(), 0u);  // next check in 15 minutes
  EXPECT_EQ(woken, 1);
  auto s = source();
  EXPECT_EQ(s.last_check_at, clock_.t);
  EXPECT_EQ(s.next_check_at, clock_.t + 900 * 1'000'000);
  // Hours later, one check runs (not one per missed interval).
  clock_.t += Micros{5} * 3600 * 1'000'000;
  EXPECT_EQ(scheduler.run_due(), 1u);
  EXPECT_EQ(scheduler.run_due(), 0u);
}

// --- batch "per_check": one task for all new objects of a check ---

class PerCheckTest : public CheckerTest {
 protected:
  void SetUp() override {
    CheckerTest::SetUp();
    if (HasFatalFailure()) return;
    auto patched = service_->patch(
        "default", id_, json::parse(R"({"batch":"per_check","start_after":""})"), &errors_);
    ASSERT_TRUE(patched.ok()) << patched.error().message;
    ASSERT_EQ(patched->value().batch, "per_check");
  }
  // The task ids of the ledger's loaded rows, in ledger order.
  std::vector<std::string> task_ids() {
    std::vector<std::string> out;
    for (const auto& r : ledger()) {
      if (r.file.skip_reason.empty()) out.push_back(r.file.task_id);
    }
    return out;
  }
  // "key etag" of each object the task loads, in order.
  std::vector<std::string> objects_of(const std::string& task_id) {
    std::vector<std::string> out;
    auto objects = store_->list_task_objects(task_id);
    EXPECT_TRUE(objects.ok());
    if (!objects.ok()) return out;
    for (const auto& o : *objects) out.push_back(o.key + " " + o.etag);
    return out;
  }
};

TEST_F(PerCheckTest, OneTaskLoadsExactlyTheNewObjectsOfACheckInKeyOrder) {
  objects_ = {{"exports/learning_1.csv", 10, "\"a\"", ""},
              {"exports/learning_2.csv", 11, "\"b\"", ""},
              {"exports/notes.txt", 10, "\"n\"", ""},
              {"exports/learning_3.csv", 12, "\"c\"", ""}};
  auto out = check();
  EXPECT_FALSE(out.transient_error);
  EXPECT_EQ(out.tasks_created, 1u);
  EXPECT_EQ(out.skipped, 1u);
  auto ids = task_ids();
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_EQ(ids[0], ids[1]);
  EXPECT_EQ(ids[1], ids[2]);
  auto task = **store_->get_task("default", ids[0]);
  EXPECT_EQ(task.uri, "s3://bucket/exports/");
  EXPECT_EQ(task.source_id, id_);
  EXPECT_EQ(tasks::open_credentials(key_, task.id, task.sealed_credentials)->access_key_id, "AKID");
  EXPECT_EQ(objects_of(task.id), (std::vector<std::string>{"exports/learning_1.csv \"a\"",
                                                           "exports/learning_2.csv \"b\"",
                                                           "exports/learning_3.csv \"c\""}));
  auto listed = store_->list_task_objects(task.id);
  ASSERT_TRUE(listed.ok() && listed->size() == 3u);
  EXPECT_EQ((*listed)[1].size, 11u);

  // Same listing: nothing. A new key and new content under an old key: one
  // more task with exactly those two.
  EXPECT_EQ(check().tasks_created, 0u);
  objects_[1].etag = "\"b2\"";
  objects_.push_back({"exports/learning_4.csv", 10, "\"d\"", ""});
  EXPECT_EQ(check().tasks_created, 1u);
  ids = task_ids();
  ASSERT_EQ(ids.size(), 5u);
  EXPECT_NE(ids[3], ids[0]);
  EXPECT_EQ(objects_of(ids[3]), (std::vector<std::string>{"exports/learning_2.csv \"b2\"",
                                                          "exports/learning_4.csv \"d\""}));
  EXPECT_EQ(check().tasks_created, 0u);
  EXPECT_EQ(ledger().size(), 6u);
}

TEST_F(PerCheckTest, ACheckRepeatedAfterACrashLeavesOutWhatTheFirstOneRecorded) {
  // A first check committed learning_1 and died before finishing; a repeated
  // check (same lease expired) sees learning_1 recorded, and learning_2 new.
  objects_ = {{"exports/learning_1.csv", 10, "\"a\"", ""}};
  ASSERT_EQ(check().tasks_created, 1u);
  objects_.push_back({"exports/learning_2.csv", 10, "\"b\"", ""});
  ASSERT_EQ(check().tasks_created, 1u);
  auto ids = task_ids();
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(objects_of(ids[1]), (std::vector<std::string>{"exports/learning_2.csv \"b\""}));
  // Only skipped or known objects: no task at all.
  objects_.push_back({"exports/readme.txt", 10, "\"r\"", ""});
  auto out = check();
  EXPECT_EQ(out.tasks_created, 0u);
  EXPECT_EQ(out.skipped, 1u);
}

TEST_F(PerCheckTest, TheBatchIsWrittenWholeOrNotAtAll) {
  // A task id that exists already makes the transaction fail after the
  // ledger rows were inserted: none of them may stay.
  store::Task existing;
  existing.id = "flt_taken";
  existing.entity_type = "learning";
  existing.method = "s3_iam_user";
  existing.uri = "s3://bucket/x.csv";
  ASSERT_TRUE(store_->create_task(existing).ok());
  store::SourceFile f;
  f.source_id = id_;
  f.key = "exports/learning_1.csv";
  f.etag = "\"a\"";
  f.size = 10;
  store::Task task = existing;
  task.source_id = id_;
  auto r = store_->record_files_and_create_task({f}, task);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(ledger().empty());
  EXPECT_TRUE(store_->list_task_objects("flt_taken")->empty());
  // The next check records it.
  objects_ = {{"exports/learning_1.csv", 10, "\"a\"", ""}};
  EXPECT_EQ(check().tasks_created, 1u);
  EXPECT_EQ(task_ids().size(), 1u);
}

TEST(SourceRequest, ReportsEveryBadFieldLikeATask) {
  std::vector<schema::FieldError> errors;
  auto r = parse_source_request(
      json::parse(R"({"name":"n","entity_type":"nope","uri":"s3://bucket/file.csv",)"
                  R"("pattern":"[x","schedule":{"every":"5s"},"credentials":{},)"
                  R"("options":{"delimiter":"ab"},"batch":"hourly","bogus":1})"),
      nullptr, &errors);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "invalid_fields");
  std::set<std::string> fields;
  for (const auto& e : errors) fields.insert(e.field);
  for (const char* f : {"entity_type", "uri", "pattern", "schedule.every",
                        "credentials.aws_access_key_id", "options.delimiter", "batch", "bogus"}) {
    EXPECT_TRUE(fields.count(f)) << f;
  }
}

TEST(SourceRequest, APatchKeepsWhatItDoesNotName) {
  std::vector<schema::FieldError> errors;
  store::Source s;
  s.entity_type = "learning";
  s.method = "s3_iam_user";
  s.uri = "s3://bucket/exports/";
  s.pattern = "*.csv";
  s.schedule_seconds = 900;
  s.options_json = R"({"kept":true})";
  auto r = parse_source_request(json::parse(R"({"name":"renamed"})"), &s, &errors);
  ASSERT_TRUE(r.ok()) << (errors.empty() ? "" : errors[0].message);
  EXPECT_EQ(r->source.name, "renamed");
  EXPECT_EQ(r->source.options_json, R"({"kept":true})");
  EXPECT_FALSE(r->credentials);
  errors.clear();
  EXPECT_FALSE(parse_source_request(json::parse(R"({"uri":"s3://b/x/"})"), &s, &errors).ok());
  EXPECT_EQ(errors.at(0).code, "not_allowed");
}

}  // namespace
}  // namespace skillsync::sources
