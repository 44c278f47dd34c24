// The task lifecycle end to end (issue 5): cancel while downloading (slowly,
// or stalled with S3 sending nothing) and while publishing, kill -9 at the
// publish moment, failed and cancelled tasks after a crash, a burst of 1,000
// POSTs, idempotent POSTs under concurrent duplicates, SIGTERM with tasks
// pending and SIGTERM during a stalled download. The real binary reads the real
// S3 server through a fault proxy, which slows the downloads down where a
// test needs to act in the middle of one.
#include <gtest/gtest.h>

#include <barrier>
#include <cctype>
#include <map>
#include <set>
#include <thread>

#include "integration/it_env.hpp"

namespace skillsync::it {
namespace {
namespace json = boost::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testsupport::Fault;
using SteadyClock = std::chrono::steady_clock;

// Rows of the files whose publish must take a moment. A debug or sanitizer
// build is many times slower, so a smaller file still gives a slow publish.
#ifdef NDEBUG
constexpr size_t kPublishRows = 150000;
#else
constexpr size_t kPublishRows = 30000;
#endif

json::object get_task(SkillsyncProcess& app, const std::string& id) {
  ApiResponse r = app.get("/integrations/file-load-tasks/" + id);
  EXPECT_EQ(r.status, 200) << r.body;
  json::value v = r.json();
  return v.is_object() ? v.get_object() : json::object{};
}

std::string status_of(SkillsyncProcess& app, const std::string& id) {
  json::object t = get_task(app, id);
  const json::value* s = t.if_contains("status");
  return s != nullptr && s->is_string() ? std::string(s->get_string()) : std::string();
}

// Polls the task until `pred` holds for it; false after `timeout`.
template <class Pred>
bool wait_task(SkillsyncProcess& app, const std::string& id, Pred pred, milliseconds timeout) {
  return testsupport::wait_until([&] { return pred(get_task(app, id)); }, timeout,
                                 milliseconds(25));
}

int64_t rows_loaded(const json::object& task) {
  const json::value* p = task.if_contains("progress");
  if (p == nullptr || !p->is_object()) return -1;
  const json::value* n = p->get_object().if_contains("rows_loaded");
  return n != nullptr && n->is_int64() ? n->get_int64() : -1;
}

std::string created_id(const ApiResponse& r) {
  json::value v = r.json();
  return v.is_object() ? str(v.get_object(), "task_id") : std::string();
}

// The file's rows, once each, and nothing else, for its employee.
void expect_exact_rows(SkillsyncProcess& app, const LearningFile& file) {
  std::vector<json::object> events = list_all_events(app, file.employee);
  EXPECT_EQ(events.size(), file.rows);
  EXPECT_EQ(events_checksum(events), file.checksum) << "the loaded rows differ from the file's";
}

// Every answer about this task (status, cancel) is free of its credentials.
void expect_no_secret(SkillsyncProcess& app, Stack& stack) {
  for (const std::string& body : app.seen_bodies()) {
    ASSERT_EQ(body.find(stack.s3().secret_access_key()), std::string::npos) << body;
  }
}

// Sets the proxy's default fault for one scope, back to pass at its end.
class ProxyDefault {
 public:
  ProxyDefault(testsupport::FaultProxy& proxy, Fault fault) : proxy_(proxy) {
    proxy_.set_default(fault);
  }
  ~ProxyDefault() { proxy_.set_default(Fault::pass()); }

 private:
  testsupport::FaultProxy& proxy_;
};

// The default settings (lease 120 s, 2 workers) except no rate limit: the
// tests below send more than 50 requests a second on purpose.
class LifecycleTest : public StackTest<LifecycleTest> {
 public:
  static StackOptions stack_options() {
    StackOptions o;
    o.fault_proxy = true;
    o.env["SKILLSYNC_RATE_LIMIT"] = "0";
    return o;
  }
};

// Cancels a task while its download is slowed down (`fault` on every
// connection) and checks that it ends `cancelled` within 5 s, with nothing
// loaded and nothing secret in any answer.
void cancel_during_download(Stack& stack, Fault fault) {
  SkillsyncProcess& app = stack.app();
  const LearningFile file = make_learning_file(unique_id("emp-cancel-dl"), 40000);
  const std::string key = unique_id("cancel-dl") + ".csv";
  const std::string uri = stack.upload(key, file.csv);
  ProxyDefault slow(stack.proxy(), fault);
  ApiResponse created = stack.post_task(uri);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = created_id(created);

  // The worker's GET is under way.
  ASSERT_TRUE(testsupport::wait_until(
      [&] {
        for (const auto& head : stack.proxy().request_heads()) {
          if (head.starts_with("GET ") && head.find(key) != std::string::npos) return true;
        }
        return false;
      },
      seconds(20)))
      << "the worker never started the download";
  ASSERT_TRUE(wait_task(
      app, id,
      [](const json::object& t) {
        const json::value* s = t.if_contains("status");
        return s != nullptr && s->is_string() && s->get_string() == "running";
      },
      seconds(20)))
      << json::serialize(get_task(app, id));

  const auto asked = SteadyClock::now();
  ApiResponse cancel = app.post("/integrations/file-load-tasks/" + id + "/cancel", "");
  ASSERT_EQ(cancel.status, 202) << cancel.body;
  TaskTrace trace = app.wait_for_task(id, seconds(40));
  const auto took = std::chrono::duration_cast<milliseconds>(SteadyClock::now() - asked);
  ASSERT_FALSE(trace.timed_out) << json::serialize(trace.task);
  EXPECT_EQ(trace.status(), "cancelled") << json::serialize(trace.task);
  EXPECT_LE(took.count(), 5000) << "a running task must stop within 5 s of its cancel";
  ::testing::Test::RecordProperty("cancel_ms", static_cast<int>(took.count()));
  EXPECT_FALSE(is_null(trace.task, "cancel_requested_at"));
  EXPECT_FALSE(is_null(trace.task, "finished_at"));
  EXPECT_TRUE(list_all_events(app, file.employee).empty());
  expect_no_secret(app, stack);
  // A finished task cannot be cancelled again.
  EXPECT_EQ(app.post("/integrations/file-load-tasks/" + id + "/cancel", "").status, 409);
}

TEST_F(LifecycleTest, CancelDuringASlowDownloadEndsCancelledWithinFiveSeconds) {
  // 3 MB at 100 kB/s: half a minute of download if nothing stops it.
  cancel_during_download(stack(), Fault::throttle(100 * 1000));
}

TEST_F(LifecycleTest, CancelDuringAStalledDownloadEndsCancelledWithinFiveSeconds) {
  // 500 kB, then S3 sends nothing for far longer than the stall timeout
  // (60 s): only the cancel itself can end the read in time.
  cancel_during_download(stack(), Fault::stall_for(500000, seconds(300)));
}

// Whether another connection holds the write lock of the SQLite database at
// `db` now: the sqlite3 tool cannot take it without waiting.
bool write_lock_held(const std::string& db) {
  CommandResult r = run_command({"/usr/bin/sqlite3", db, "BEGIN IMMEDIATE; ROLLBACK;"});
  return r.exit_code != 0 && r.err.find("locked") != std::string::npos;
}

// The cancel arrives while the publish transaction is open (seen from
// outside: after the worker's "publishing" line, the database's write lock
// is held), so it waits for the publish and finds the task finished: 409,
// and the task is completed with every row. (A cancel that wins before the
// publish leaves nothing: the cancel-during-download tests above.)
TEST_F(LifecycleTest, CancelDuringPublicationIsAllOrNothing) {
  // Big enough that the publish transaction takes a moment.
  const LearningFile file = make_learning_file(unique_id("emp-cancel-pub"), kPublishRows);
  const std::string uri = stack().upload(unique_id("cancel-pub") + ".csv", file.csv);
  ApiResponse created = stack().post_task(uri);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = created_id(created);
  ASSERT_TRUE(app().wait_for_log("task " + id + " publishing", seconds(120))) << app().log_tail();
  const std::string db = app().data_dir() + "/skillsync.db";
  // Held in three samples in a row, 20 ms apart: the publish's long
  // transaction, not a heartbeat's or a claim's write of a few milliseconds
  // (a cancel slipping in behind one of those would win before the publish).
  const auto publish_holds_the_lock = [&] {
    for (int sample = 0; sample < 3; ++sample) {
      if (sample > 0) std::this_thread::sleep_for(milliseconds(20));
      if (!write_lock_held(db)) return false;
    }
    return true;
  };
  ASSERT_TRUE(testsupport::wait_until(publish_holds_the_lock, seconds(30), milliseconds(1)))
      << "the publish transaction was never seen open";
  ApiResponse cancel = app().post("/integrations/file-load-tasks/" + id + "/cancel", "");
  EXPECT_EQ(cancel.status, 409) << "the cancel did not wait for the open publish: " << cancel.body;
  TaskTrace trace = app().wait_for_task(id, seconds(120));
  ASSERT_FALSE(trace.timed_out) << json::serialize(trace.task);
  EXPECT_EQ(trace.status(), "completed") << json::serialize(trace.task);
  EXPECT_EQ(rows_loaded(trace.task), static_cast<int64_t>(file.rows));
  EXPECT_TRUE(is_null(trace.task, "cancel_requested_at")) << json::serialize(trace.task);
  std::vector<json::object> events = list_all_events(app(), file.employee);
  EXPECT_EQ(events.size(), file.rows);
  EXPECT_EQ(events_checksum(events), file.checksum);
  expect_no_secret(app(), stack());
}

TEST_F(LifecycleTest, ConcurrentDuplicatePostsWithOneIdempotencyKeyCreateOneTask) {
  const LearningFile file = make_learning_file(unique_id("emp-idem"), 50);
  const std::string uri = stack().upload(unique_id("idem") + ".csv", file.csv);
  const json::object body = stack().task_body(uri);
  const std::string idem = unique_id("idem-key");
  constexpr int kClients = 8;
  std::vector<ApiResponse> answers(kClients);
  {
    std::barrier start(kClients);
    std::vector<std::thread> clients;
    for (int i = 0; i < kClients; ++i) {
      clients.emplace_back([&, i] {
        start.arrive_and_wait();
        answers[i] = stack().post_task_body(body, idem);
      });
    }
    for (auto& t : clients) t.join();
  }
  int created = 0;
  std::set<std::string> ids;
  for (const ApiResponse& a : answers) {
    ASSERT_TRUE(a.status == 201 || a.status == 200) << a.status << " " << a.body;
    created += a.status == 201 ? 1 : 0;
    ids.insert(created_id(a));
  }
  EXPECT_EQ(created, 1) << "exactly one of the duplicates creates the task";
  ASSERT_EQ(ids.size(), 1u) << "every duplicate names the same task";
  const std::string id = *ids.begin();

  // The task list holds one task for this object.
  int with_uri = 0;
  std::string cursor;
  for (int page = 0; page < 100; ++page) {
    ApiResponse r = app().get_paced("/integrations/file-load-tasks?limit=1000" +
                                    (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(r.status, 200) << r.body;
    json::value v = r.json();
    for (const auto& t : as_array(as_object(v).at("items"))) {
      with_uri += str(as_object(t), "uri") == uri ? 1 : 0;
    }
    const json::value& next = as_object(v).at("next_cursor");
    if (!next.is_string()) break;
    cursor = std::string(next.get_string());
  }
  EXPECT_EQ(with_uri, 1);

  TaskTrace trace = app().wait_for_task(id);
  EXPECT_EQ(trace.status(), "completed") << json::serialize(trace.task);
  expect_exact_rows(app(), file);
  // After it ended: the same key and body still name it; another body is refused.
  ApiResponse again = stack().post_task_body(body, idem);
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(created_id(again), id);
  json::object other = body;
  other["options"] = json::object{{"on_error", "abort"}};
  ApiResponse conflict = stack().post_task_body(other, idem);
  EXPECT_EQ(conflict.status, 409) << conflict.body;
}

TEST_F(LifecycleTest, BurstOfAThousandPostsAllAcceptedAllCompleteEachWithItsRows) {
  constexpr int kTasks = 1000;
  constexpr int kThreads = 8;
  const std::string employee = unique_id("emp-burst");
  std::vector<LearningFile> files(kTasks);
  std::vector<std::string> uris(kTasks);
  for (int i = 0; i < kTasks; ++i) {
    files[i] = make_learning_file(employee, 3, 0, "t" + std::to_string(i));
  }
  {
    std::vector<std::thread> uploaders;
    for (int t = 0; t < kThreads; ++t) {
      uploaders.emplace_back([&, t] {
        for (int i = t; i < kTasks; i += kThreads) {
          uris[i] = stack().upload(unique_id("burst") + ".csv", files[i].csv);
        }
      });
    }
    for (auto& t : uploaders) t.join();
  }
  std::vector<ApiResponse> answers(kTasks);
  const auto posted = SteadyClock::now();
  {
    std::vector<std::thread> clients;
    for (int t = 0; t < kThreads; ++t) {
      clients.emplace_back([&, t] {
        for (int i = t; i < kTasks; i += kThreads) answers[i] = stack().post_task(uris[i]);
      });
    }
    for (auto& t : clients) t.join();
  }
  RecordProperty(
      "post_ms",
      static_cast<int>(
          std::chrono::duration_cast<milliseconds>(SteadyClock::now() - posted).count()));
  std::map<std::string, int> index_of;
  for (int i = 0; i < kTasks; ++i) {
    ASSERT_EQ(answers[i].status, 201) << "POST " << i << ": " << answers[i].body;
    index_of[created_id(answers[i])] = i;
  }
  ASSERT_EQ(index_of.size(), static_cast<size_t>(kTasks));
  for (const auto& [id, i] : index_of) {
    TaskTrace trace = app().wait_for_task(id, seconds(180));
    ASSERT_FALSE(trace.timed_out) << "task " << i << ": " << json::serialize(trace.task);
    ASSERT_EQ(trace.status(), "completed") << json::serialize(trace.task);
    ASSERT_EQ(rows_loaded(trace.task), 3) << json::serialize(trace.task);
  }
  RecordProperty(
      "all_done_ms",
      static_cast<int>(
          std::chrono::duration_cast<milliseconds>(SteadyClock::now() - posted).count()));
  // Each task's events are exactly its file's rows.
  std::map<std::string, std::vector<json::object>> by_task;
  for (auto& e : list_all_events(app(), employee)) by_task[str(e, "task_id")].push_back(e);
  ASSERT_EQ(by_task.size(), static_cast<size_t>(kTasks));
  for (const auto& [id, events] : by_task) {
    ASSERT_TRUE(index_of.contains(id)) << id;
    const LearningFile& f = files[index_of[id]];
    ASSERT_EQ(events_checksum(events), f.checksum) << "task " << id;
  }
}

// A short lease (2 s), so that a killed server's tasks move on quickly.
class LifecycleCrashTest : public StackTest<LifecycleCrashTest> {
 public:
  static StackOptions stack_options() {
    StackOptions o;
    o.fault_proxy = true;
    o.env["SKILLSYNC_RATE_LIMIT"] = "0";
    o.env["SKILLSYNC_TASK_LEASE"] = "2";
    return o;
  }
};

TEST_F(LifecycleCrashTest, KillNineAtThePublishMomentLoadsEveryRowExactlyOnce) {
  const LearningFile file = make_learning_file(unique_id("emp-kill-pub"), kPublishRows);
  const std::string uri = stack().upload(unique_id("kill-pub") + ".csv", file.csv);
  ApiResponse created = stack().post_task(uri);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = created_id(created);
  const std::string publishing = "task " + id + " publishing";
  ASSERT_TRUE(app().wait_for_log(publishing, seconds(120))) << app().log_tail();
  auto restarted = stack().restart_app(StopHow::kKill9);
  ASSERT_TRUE(restarted.ok()) << restarted.error().message;

  TaskTrace trace = app().wait_for_task(id, seconds(120));
  ASSERT_FALSE(trace.timed_out) << json::serialize(trace.task) << app().log_tail();
  ASSERT_EQ(trace.status(), "completed") << json::serialize(trace.task);
  // The kill came before the publish committed: the new process published.
  EXPECT_NE(app().log().find(publishing), std::string::npos) << app().log_tail();
  EXPECT_GE(num(trace.task, "attempts"), 2);
  const json::object& progress = obj(trace.task, "progress");
  EXPECT_EQ(num(progress, "rows_read"), static_cast<int64_t>(file.rows));
  EXPECT_EQ(num(progress, "rows_loaded"), static_cast<int64_t>(file.rows));
  EXPECT_EQ(num(progress, "rows_rejected"), 0);
  EXPECT_EQ(num(progress, "bytes_read"), static_cast<int64_t>(file.csv.size()));
  expect_exact_rows(app(), file);
}

TEST_F(LifecycleCrashTest, FailedAndCancelledTasksLeaveNoRowsAfterACrash) {
  // Two loads of 60,000 rows slowed to ~1.5 MB/s: both have staged batches
  // (a checkpoint every 20,000 rows) when the server is killed.
  LearningFile doomed = make_learning_file(unique_id("emp-doomed"), 60000);
  doomed.csv += doomed.employee + ",en,bad-row,not-a-time,course-x,src-x\n";  // fails on abort
  const LearningFile cancelled = make_learning_file(unique_id("emp-cancelled"), 60000);
  const std::string doomed_uri = stack().upload(unique_id("doomed") + ".csv", doomed.csv);
  const std::string cancelled_uri = stack().upload(unique_id("cancelled") + ".csv", cancelled.csv);
  std::string doomed_id;
  std::string cancelled_id;
  {
    ProxyDefault slow(stack().proxy(), Fault::throttle(1500 * 1000));
    ApiResponse a =
        stack().post_task_body(stack().task_body(doomed_uri, json::object{{"on_error", "abort"}}));
    ApiResponse b = stack().post_task(cancelled_uri);
    ASSERT_EQ(a.status, 201) << a.body;
    ASSERT_EQ(b.status, 201) << b.body;
    doomed_id = created_id(a);
    cancelled_id = created_id(b);
    for (const std::string& id : {doomed_id, cancelled_id}) {
      ASSERT_TRUE(wait_task(
          app(), id, [](const json::object& t) { return rows_loaded(t) >= 20000; }, seconds(60)))
          << "no batch staged: " << json::serialize(get_task(app(), id));
    }
    ApiResponse cancel =
        app().post("/integrations/file-load-tasks/" + cancelled_id + "/cancel", "");
    ASSERT_EQ(cancel.status, 202) << cancel.body;
    stack().proxy().set_default(Fault::pass());
    auto restarted = stack().restart_app(StopHow::kKill9);  // at once: the worker may not know
    ASSERT_TRUE(restarted.ok()) << restarted.error().message;
  }
  TaskTrace d = app().wait_for_task(doomed_id, seconds(60));
  TaskTrace c = app().wait_for_task(cancelled_id, seconds(60));
  ASSERT_FALSE(d.timed_out || c.timed_out) << app().log_tail();
  EXPECT_EQ(d.status(), "failed") << json::serialize(d.task);
  EXPECT_EQ(str(obj(d.task, "error"), "code"), "rejected_rows_abort") << json::serialize(d.task);
  EXPECT_EQ(c.status(), "cancelled") << json::serialize(c.task);
  EXPECT_TRUE(list_all_events(app(), doomed.employee).empty());
  EXPECT_TRUE(list_all_events(app(), cancelled.employee).empty());

  // And once more, a crash after they ended changes nothing.
  auto restarted = stack().restart_app(StopHow::kKill9);
  ASSERT_TRUE(restarted.ok()) << restarted.error().message;
  EXPECT_EQ(status_of(app(), doomed_id), "failed");
  EXPECT_EQ(status_of(app(), cancelled_id), "cancelled");
  EXPECT_TRUE(list_all_events(app(), doomed.employee).empty());
  EXPECT_TRUE(list_all_events(app(), cancelled.employee).empty());
}

TEST_F(LifecycleCrashTest, SigtermDuringAStalledDownloadExitsAtOnceAndTheRestartLoadsItOnce) {
  // 40,000 rows (~3 MB); S3 stops sending after 2 MB, so the first batch
  // (20,000 rows) is staged with its checkpoint before the stall.
  const LearningFile file = make_learning_file(unique_id("emp-term-stall"), 40000);
  const std::string key = unique_id("term-stall") + ".csv";
  const std::string uri = stack().upload(key, file.csv);
  std::string id;
  {
    const int stalls_before = stack().proxy().stalls_begun();
    ProxyDefault stalled(stack().proxy(), Fault::stall_for(2000000, seconds(300)));
    ApiResponse created = stack().post_task(uri);
    ASSERT_EQ(created.status, 201) << created.body;
    id = created_id(created);
    ASSERT_TRUE(wait_task(
        app(), id, [](const json::object& t) { return rows_loaded(t) >= 20000; }, seconds(60)))
        << "no batch staged: " << json::serialize(get_task(app(), id));
    // The read waits on the stall now.
    ASSERT_TRUE(testsupport::wait_until(
        [&] { return stack().proxy().stalls_begun() > stalls_before; }, seconds(60)))
        << "S3 never stalled";
    ASSERT_EQ(status_of(app(), id), "running");
  }
  // The stalled connection keeps its fault; the next process reads at full speed.
  const auto stopping = SteadyClock::now();
  const int code = app().stop();
  const auto took = std::chrono::duration_cast<milliseconds>(SteadyClock::now() - stopping);
  EXPECT_EQ(code, 0) << "SIGTERM: a clean exit";
  EXPECT_LT(took.count(), 10000) << "SIGTERM: exit within 10 s, stalled download or not";
  RecordProperty("sigterm_exit_ms", static_cast<int>(took.count()));
  EXPECT_NE(app().log().find("task " + id + " paused by shutdown"), std::string::npos)
      << app().log_tail();
  auto restarted = stack().restart_app(StopHow::kSigterm);  // already stopped: starts it again
  ASSERT_TRUE(restarted.ok()) << restarted.error().message;

  TaskTrace trace = app().wait_for_task(id, seconds(60));
  ASSERT_FALSE(trace.timed_out) << json::serialize(trace.task) << app().log_tail();
  ASSERT_EQ(trace.status(), "completed") << json::serialize(trace.task);
  EXPECT_EQ(rows_loaded(trace.task), 40000);
  EXPECT_EQ(num(obj(trace.task, "progress"), "rows_read"), 40000);
  expect_exact_rows(app(), file);
  // The new process continued from the checkpoint (a ranged GET), not from byte 0.
  std::string last_get;
  for (const auto& head : stack().proxy().request_heads()) {
    if (head.starts_with("GET ") && head.find(key) != std::string::npos) last_get = head;
  }
  std::string lower = last_get;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_NE(lower.find("\r\nrange: bytes="), std::string::npos) << last_get;
  EXPECT_EQ(lower.find("\r\nrange: bytes=0-"), std::string::npos) << last_get;
}

TEST_F(LifecycleCrashTest, SigtermWithTasksPendingThenRestartCompletesThemAll) {
  constexpr int kTasks = 6;
  std::vector<LearningFile> files;
  std::vector<std::string> ids;
  std::vector<std::string> keys;
  for (int i = 0; i < kTasks; ++i) {
    files.push_back(make_learning_file(unique_id("emp-pending"), 20000));
  }
  {
    // ~1.5 MB each at 400 kB/s: with 2 workers, 4 tasks wait.
    ProxyDefault slow(stack().proxy(), Fault::throttle(400 * 1000));
    for (const LearningFile& f : files) {
      keys.push_back(unique_id("pending") + ".csv");
      ApiResponse r = stack().post_task(stack().upload(keys.back(), f.csv));
      ASSERT_EQ(r.status, 201) << r.body;
      ids.push_back(created_id(r));
    }
    int running = 0;
    int pending = 0;
    ASSERT_TRUE(testsupport::wait_until(
        [&] {
          running = pending = 0;
          for (const auto& id : ids) {
            const std::string s = status_of(app(), id);
            running += s == "running";
            pending += s == "pending";
          }
          return running == 2;
        },
        seconds(20)))
        << running << " running";
    ASSERT_GE(pending, 1);
    // The running ones are mid-file: their GETs are under way (a file takes
    // ~4 s at this rate, and holds one batch: it ends with its download).
    ASSERT_TRUE(testsupport::wait_until(
        [&] {
          int gets = 0;
          for (const auto& head : stack().proxy().request_heads()) {
            for (const auto& k : keys) {
              gets += head.starts_with("GET ") && head.find(k) != std::string::npos;
            }
          }
          return gets >= 2;
        },
        seconds(20)))
        << "the running tasks never started their downloads";
    stack().proxy().set_default(Fault::pass());  // the next process reads at full speed
    const auto stopping = SteadyClock::now();
    auto restarted = stack().restart_app(StopHow::kSigterm);
    ASSERT_TRUE(restarted.ok()) << restarted.error().message;
    EXPECT_EQ(*restarted, 0) << "SIGTERM: a clean exit within 10 s";
    RecordProperty(
        "stop_and_start_ms",
        static_cast<int>(
            std::chrono::duration_cast<milliseconds>(SteadyClock::now() - stopping).count()));
  }
  for (int i = 0; i < kTasks; ++i) {
    TaskTrace trace = app().wait_for_task(ids[i], seconds(60));
    ASSERT_FALSE(trace.timed_out) << json::serialize(trace.task);
    EXPECT_EQ(trace.status(), "completed") << json::serialize(trace.task);
    EXPECT_EQ(rows_loaded(trace.task), 20000) << json::serialize(trace.task);
    expect_exact_rows(app(), files[i]);
  }
}

}  // namespace
}  // namespace skillsync::it
