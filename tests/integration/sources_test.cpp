// Recurring sources end to end (issue 18): the real binary checks a prefix
// of the real S3 server and loads every new object version exactly once.
// Checks are made due with POST .../run, or come from the schedule
// ("every": "10s"); every wait polls the API for the ledger or a task's
// state (no sleeps as synchronisation).
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <set>
#include <thread>

#include "integration/it_env.hpp"
#include "support/process.hpp"

namespace skillsync::it {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;

const std::string kHeader = "employee_external_id,language,external_id,timestamp,course_id\n";

// Polls `done` every 50 ms until it holds or `timeout` passes.
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout = 30s) {
  return testsupport::wait_until(done, timeout, 50ms);
}

class SourcesTest : public StackTest<SourcesTest> {
 public:
  static StackOptions stack_options() {
    StackOptions o;
    o.env["SKILLSYNC_TASK_LEASE"] = "2";  // a killed process's leases move on quickly
    return o;
  }

 protected:
  json::object source_body(const std::string& dir, const std::string& extra = "{}") {
    json::object body{
        {"name", "nightly " + dir},
        {"entity_type", "learning"},
        {"uri", stack().uri(dir + "/")},
        {"pattern", "learning_*.csv"},
        {"schedule", json::object{{"every", "10s"}}},
        {"credentials", json::object{{"aws_access_key_id", stack().s3().access_key_id()},
                                     {"aws_secret_access_key", stack().s3().secret_access_key()}}}};
    const json::value more = json::parse(extra);
    for (const auto& kv : more.as_object()) body[kv.key()] = kv.value();
    return body;
  }
  std::string create(const json::object& body) {
    ApiResponse r = app().post("/integrations/sources", json::serialize(body));
    EXPECT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(r.body.find(stack().s3().secret_access_key()), std::string::npos);
    return r.status == 201 ? str(as_object(r.json()), "source_id") : "";
  }
  json::object source(const std::string& id) {
    ApiResponse r = app().get("/integrations/sources/" + id);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? as_object(r.json()) : json::object{};
  }
  std::vector<json::object> files(const std::string& id) {
    ApiResponse r = app().get("/integrations/sources/" + id + "/files?limit=1000");
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<json::object> out;
    if (r.status != 200) return out;
    const json::value page = r.json();
    for (const auto& v : as_array(as_object(page).at("items"))) out.push_back(as_object(v));
    return out;
  }
  // Every ledger row that has a task, once that task has ended.
  bool tasks_done(const std::string& id, size_t want_rows) {
    auto rows = files(id);
    if (rows.size() != want_rows) return false;
    for (const auto& f : rows) {
      if (is_null(f, "task_id")) continue;
      if (is_null(f, "task") || status_rank(str(obj(f, "task"), "status")) != 2) return false;
    }
    return true;
  }
  // POST .../run and waits for the check it makes due to end.
  void run_check(const std::string& id) {
    const json::object before = source(id);
    ApiResponse r = app().post("/integrations/sources/" + id + "/run", "");
    ASSERT_EQ(r.status, 202) << r.body;
    ASSERT_TRUE(eventually([&] {
      json::object now = source(id);
      return !is_null(now, "last_check_at") &&
             (is_null(before, "last_check_at") ||
              str(now, "last_check_at") != str(before, "last_check_at"));
    })) << "no check ran";
  }
  std::string csv(const std::string& employee, const std::string& id) {
    return kHeader + employee + ",en," + id + ",2021-01-01,c\n";
  }
  void kill_during_check_and_tasks(bool per_check);
};

TEST_F(SourcesTest, LoadsEachNewVersionOnceAndRecordsWhatItSkips) {
  const std::string dir = unique_id("src");
  const std::string e = unique_id("emp-src");
  stack().upload(dir + "/learning_1.csv", csv(e, "one"));
  stack().upload(dir + "/learning_2.csv", csv(e, "two"));
  stack().upload(dir + "/learning_3.csv", csv(e, "three"));
  stack().upload(dir + "/notes.txt", "not a csv");
  const std::string id =
      create(source_body(dir, R"({"start_after":")" + dir + R"(/learning_1.csv"})"));
  ASSERT_FALSE(id.empty());
  // The first check is due at once.
  ASSERT_TRUE(eventually([&] { return tasks_done(id, 4); })) << files(id).size() << " ledger rows";
  auto rows = files(id);
  std::map<std::string, json::object> by_key;
  for (const auto& f : rows) by_key[str(f, "key")] = f;
  EXPECT_EQ(str(by_key[dir + "/learning_1.csv"], "skip_reason"), "start_after");
  EXPECT_EQ(str(by_key[dir + "/notes.txt"], "skip_reason"), "pattern");
  for (const char* k : {"/learning_2.csv", "/learning_3.csv"}) {
    const json::object& f = by_key[dir + k];
    EXPECT_TRUE(is_null(f, "skip_reason"));
    EXPECT_EQ(str(obj(f, "task"), "status"), "completed");
    EXPECT_EQ(num(obj(f, "task"), "rows_loaded"), 1);
    ApiResponse task = app().get("/integrations/file-load-tasks/" + str(f, "task_id"));
    EXPECT_EQ(str(as_object(task.json()), "source_id"), id);
  }
  EXPECT_EQ(list_all_events(app(), e).size(), 2u);

  // A new file, checked now.
  stack().upload(dir + "/learning_4.csv", csv(e, "four"));
  run_check(id);
  ASSERT_TRUE(eventually([&] { return tasks_done(id, 5); }));
  // The same content again: nothing new.
  stack().upload(dir + "/learning_4.csv", csv(e, "four"));
  run_check(id);
  EXPECT_EQ(files(id).size(), 5u);
  // New content under the same key loads again.
  stack().upload(dir + "/learning_4.csv", csv(e, "four-v2"));
  run_check(id);
  ASSERT_TRUE(eventually([&] { return tasks_done(id, 6); }));
  EXPECT_EQ(list_all_events(app(), e).size(), 4u);  // two, three, four, four-v2

  // And once by the schedule alone (every 10 s), with no run.
  stack().upload(dir + "/learning_5.csv", csv(e, "five"));
  ASSERT_TRUE(eventually([&] { return tasks_done(id, 7); }, 40s));
  EXPECT_EQ(list_all_events(app(), e).size(), 5u);
}

TEST_F(SourcesTest, APausedSourceLoadsNothingAndResumeCatchesUpOnce) {
  const std::string dir = unique_id("src-pause");
  const std::string e = unique_id("emp-pause");
  stack().upload(dir + "/learning_1.csv", csv(e, "one"));
  const std::string id = create(source_body(dir));
  ASSERT_TRUE(eventually([&] { return tasks_done(id, 1); }));
  ApiResponse paused = app().post("/integrations/sources/" + id + "/pause", "");
  ASSERT_EQ(paused.status, 200) << paused.body;
  EXPECT_EQ(str(as_object(paused.json()), "status"), "paused");
  EXPECT_TRUE(is_null(as_object(paused.json()), "next_check_at"));
  stack().upload(dir + "/learning_2.csv", csv(e, "two"));
  stack().upload(dir + "/learning_3.csv", csv(e, "three"));
  EXPECT_EQ(app().post("/integrations/sources/" + id + "/run", "").status, 409);
  EXPECT_EQ(files(id).size(), 1u);
  ApiResponse resumed = app().post("/integrations/sources/" + id + "/resume", "");
  ASSERT_EQ(resumed.status, 200) << resumed.body;
  ASSERT_TRUE(eventually([&] { return tasks_done(id, 3); }));
  run_check(id);
  EXPECT_EQ(files(id).size(), 3u);
  EXPECT_EQ(list_all_events(app(), e).size(), 3u);
}

TEST_F(SourcesTest, ValidatesLikeATaskAndNeverShowsCredentials) {
  json::object bad = source_body("x", R"({"pattern":"[x","schedule":{"every":"5s"}})");
  bad["entity_type"] = "nope";
  bad["credentials"].as_object().erase("aws_secret_access_key");
  ApiResponse r = app().post("/integrations/sources", json::serialize(bad));
  ASSERT_EQ(r.status, 422) << r.body;
  std::set<std::string> fields;
  const json::value refused = r.json();
  for (const auto& d : as_array(obj(as_object(refused), "error").at("details"))) {
    fields.insert(str(as_object(d), "field"));
  }
  for (const char* f :
       {"entity_type", "pattern", "schedule.every", "credentials.aws_secret_access_key"}) {
    EXPECT_TRUE(fields.count(f)) << f << " in " << r.body;
  }
  json::object wrong = source_body(unique_id("src-denied"));
  wrong["credentials"].as_object()["aws_secret_access_key"] = "wrong-secret";
  r = app().post("/integrations/sources", json::serialize(wrong));
  EXPECT_EQ(r.status, 422) << r.body;

  const std::string id = create(source_body(unique_id("src-crud")));
  ApiResponse list = app().get("/integrations/sources?limit=1000");
  ASSERT_EQ(list.status, 200);
  EXPECT_NE(list.body.find(id), std::string::npos);
  EXPECT_EQ(list.body.find(stack().s3().secret_access_key()), std::string::npos);
  ApiResponse patched = app().request("PATCH", "/integrations/sources/" + id,
                                      R"({"pattern":"*.csv","schedule":{"every":"1h"}})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(str(as_object(patched.json()), "pattern"), "*.csv");
  EXPECT_EQ(str(obj(as_object(patched.json()), "schedule"), "every"), "1h");
  EXPECT_EQ(app().request("PATCH", "/integrations/sources/" + id, R"({"uri":"s3://b/x/"})").status,
            422);
  EXPECT_EQ(app().del("/integrations/sources/" + id).status, 204);
  EXPECT_EQ(app().get("/integrations/sources/" + id).status, 404);
  EXPECT_EQ(app().get("/integrations/sources/" + id + "/files").status, 404);
}

// batch "per_check": each check's new versions load as ONE task.
TEST_F(SourcesTest, PerCheckLoadsEachChecksNewFilesAsOneTask) {
  const std::string dir = unique_id("src-batch");
  const std::string e = unique_id("emp-batch");
  for (const char* n : {"1", "2", "3"}) {
    stack().upload(dir + "/learning_" + n + ".csv", csv(e, std::string("v1-") + n));
  }
  const std::string id = create(source_body(dir, R"({"batch":"per_check"})"));
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(str(source(id), "batch"), "per_check");
  ASSERT_TRUE(eventually([&] { return tasks_done(id, 3); }));
  // The rows' task ids, by the order of the ledger (key order within a check).
  auto task_of = [&] {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& f : files(id)) out.emplace_back(str(f, "key"), str(f, "task_id"));
    return out;
  };
  auto rows = task_of();
  ASSERT_EQ(rows.size(), 3u);
  const std::string first = rows[0].second;
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(rows[i].first, dir + "/learning_" + std::to_string(i + 1) + ".csv");
    EXPECT_EQ(rows[i].second, first);
  }
  ApiResponse task = app().get("/integrations/file-load-tasks/" + first);
  ASSERT_EQ(task.status, 200) << task.body;
  EXPECT_EQ(str(as_object(task.json()), "uri"), stack().uri(dir + "/"));
  EXPECT_EQ(str(as_object(task.json()), "status"), "completed");
  EXPECT_EQ(num(obj(as_object(task.json()), "progress"), "rows_loaded"), 3);
  auto events = list_all_events(app(), e);
  ASSERT_EQ(events.size(), 3u);  // the three files' rows
  for (const auto& ev : events) EXPECT_EQ(str(ev, "task_id"), first);

  // A new file and new content under an old key: one more task, those two.
  stack().upload(dir + "/learning_4.csv", csv(e, "v1-4"));
  stack().upload(dir + "/learning_2.csv", csv(e, "v2-2"));
  run_check(id);
  ASSERT_TRUE(eventually([&] { return tasks_done(id, 5); }));
  rows = task_of();
  const std::string second = rows[3].second;
  EXPECT_NE(second, first);
  EXPECT_EQ(rows[3].first, dir + "/learning_2.csv");
  EXPECT_EQ(rows[4], std::make_pair(dir + "/learning_4.csv", second));
  task = app().get("/integrations/file-load-tasks/" + second);
  EXPECT_EQ(num(obj(as_object(task.json()), "progress"), "rows_loaded"), 2);
  EXPECT_EQ(list_all_events(app(), e).size(), 5u);

  // The same content again: nothing.
  stack().upload(dir + "/learning_4.csv", csv(e, "v1-4"));
  run_check(id);
  EXPECT_EQ(files(id).size(), 5u);
}

// kill -9 during the first check, and again once a task runs: every file
// loads once, in one task per file, or (per_check) in one task for the six,
// resumed from its own list of objects.
void SourcesTest::kill_during_check_and_tasks(bool per_check) {
  const std::string dir = unique_id("src-kill");
  const std::string e = unique_id("emp-kill");
  constexpr int kFiles = 6;
  for (int i = 0; i < kFiles; ++i) {
    auto f = make_learning_file(e, 3000, 0, "k" + std::to_string(i));
    stack().upload(dir + "/learning_" + std::to_string(i) + ".csv", f.csv);
  }
  const std::string id = create(source_body(dir, per_check ? R"({"batch":"per_check"})" : "{}"));
  ASSERT_FALSE(id.empty());
  const size_t want_tasks = per_check ? 1 : kFiles;
  // Killed at once: before, during or just after the first check (due at
  // creation), whichever it has reached; its lease then runs out.
  auto restarted = stack().restart_app(StopHow::kKill9);
  ASSERT_TRUE(restarted.ok()) << restarted.error().message;
  // A second kill once some task has started.
  ASSERT_TRUE(eventually([&] {
    for (const auto& f : files(id)) {
      if (!is_null(f, "task") && str(obj(f, "task"), "status") != "pending") return true;
    }
    return false;
  }));
  restarted = stack().restart_app(StopHow::kKill9);
  ASSERT_TRUE(restarted.ok()) << restarted.error().message;
  ASSERT_TRUE(eventually([&] { return tasks_done(id, kFiles); }, 90s));
  run_check(id);  // one more check finds nothing new
  auto rows = files(id);
  ASSERT_EQ(rows.size(), static_cast<size_t>(kFiles));
  std::set<std::string> keys, task_ids;
  for (const auto& f : rows) {
    keys.insert(str(f, "key"));
    task_ids.insert(str(f, "task_id"));
    EXPECT_EQ(str(obj(f, "task"), "status"), "completed") << json::serialize(f);
    EXPECT_EQ(num(obj(f, "task"), "rows_loaded"), 3000 * static_cast<int>(kFiles / want_tasks));
  }
  EXPECT_EQ(keys.size(), static_cast<size_t>(kFiles));
  EXPECT_EQ(task_ids.size(), want_tasks);
  // The tasks of the source are exactly the ledger's: none was made twice.
  size_t source_tasks = 0;
  ApiResponse list = app().get("/integrations/file-load-tasks?limit=1000");
  const json::value tasks = list.json();
  for (const auto& t : as_array(as_object(tasks).at("items"))) {
    const json::object& task = as_object(t);
    if (task.contains("source_id") && str(task, "source_id") == id) ++source_tasks;
  }
  EXPECT_EQ(source_tasks, want_tasks);
  EXPECT_EQ(list_all_events(app(), e).size(), static_cast<size_t>(kFiles) * 3000);
}

TEST_F(SourcesTest, AKillDuringTheCheckAndItsTasksLoadsEveryFileOnce) {
  kill_during_check_and_tasks(false);
}

TEST_F(SourcesTest, AKillDuringAPerCheckCheckAndItsTaskLoadsEveryFileOnce) {
  kill_during_check_and_tasks(true);
}

}  // namespace
}  // namespace skillsync::it
