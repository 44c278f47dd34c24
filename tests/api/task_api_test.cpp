// File Load Task endpoints over a real SQLite store: idempotent create,
// cancel, list, the error report (JSON and CSV) and the access check.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <filesystem>
#include <set>
#include <thread>

#include "api/api.hpp"
#include "common/crypto.hpp"
#include "support/sqlite_store_test.hpp"
#include "tasks/error_report.hpp"

namespace skillsync::api {
namespace {
namespace json = boost::json;

constexpr const char* kBody =
    R"({"entity_type":"learning","method":"s3_iam_user","uri":"s3://bucket/f.csv",
        "credentials":{"aws_access_key_id":"AKIAEXAMPLE","aws_secret_access_key":"SECRET-1"}})";

class TaskApiTest : public testsupport::SqliteStoreTest {
 protected:
  void SetUp() override {
    SqliteStoreTest::SetUp();
    if (HasFatalFailure()) return;
    key_ = add_key("key_1", std::string(store::kDefaultTenant), "read,write");
    other_ = add_key("key_2", "tenant-b", "read,write");
    make_api({});
  }
  void TearDown() override {
    api_.reset();
    service_.reset();
    SqliteStoreTest::TearDown();
  }
  std::string add_key(std::string id, std::string tenant, std::string scopes) {
    std::string k = generate_api_key();
    EXPECT_TRUE(store_->add_api_key({id, tenant, scopes, 0, {}, {}}, hash_api_key(k)).ok());
    return k;
  }
  void make_api(tasks::AccessCheck check) {
    api_.reset();
    service_ = std::make_unique<tasks::TaskService>(*store_, master_, SystemClock::instance(),
                                                    std::move(check));
    api_ = std::make_unique<Api>(
        *store_, *service_, [this] { ++created_; }, RateLimit{0, 0});
  }

  HttpResponse call(std::string method, std::string target, std::string body = "",
                    std::optional<std::string> key = std::nullopt, std::string idem = "",
                    std::string accept = "") {
    HttpRequest r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.authorization = "Bearer " + key.value_or(key_);
    r.body = std::move(body);
    r.idempotency_key = std::move(idem);
    r.accept = std::move(accept);
    HttpResponse resp = api_->handle(r);
    // A streamed body (the CSV report), read whole as the server would send it.
    while (resp.body_stream) {
      auto piece = resp.body_stream();
      EXPECT_TRUE(piece.ok());
      if (!piece.ok() || piece->empty()) resp.body_stream = nullptr;
      if (piece.ok()) resp.body += *piece;
    }
    return resp;
  }
  std::string post_task(std::string body = kBody) {
    auto resp = call("POST", "/integrations/file-load-tasks", body);
    EXPECT_EQ(resp.status, 201) << resp.body;
    return std::string(json::parse(resp.body).at("task_id").as_string());
  }
  static json::value parse(const HttpResponse& r) { return json::parse(r.body); }
  static std::string err_code(const HttpResponse& r) {
    return std::string(parse(r).at("error").at("code").as_string());
  }
  static std::string detail_field(const HttpResponse& r) {
    return std::string(parse(r).at("error").at("details").at(0).at("field").as_string());
  }

  // Runs the oldest pending task to completed_with_errors with `errors`
  // rejected and the file header `header_json`.
  store::Task finish_with_errors(const std::vector<store::RowError>& errors,
                                 std::string header_json) {
    auto claimed = store_->claim_next_task("w1", SystemClock::instance().now(), 60'000'000);
    EXPECT_TRUE(claimed.ok() && claimed->has_value());
    store::Task task = **claimed;
    auto writer = store_->begin_load(task, "w1");
    EXPECT_TRUE(writer.ok());
    store::Checkpoint cp;
    cp.byte_offset = 100;
    cp.line = errors.size() + 2;
    cp.progress.rows_read = errors.size();
    cp.progress.rows_rejected = errors.size();
    cp.header_json = std::move(header_json);
    EXPECT_TRUE((*writer)->stage({}, errors, cp).ok());
    EXPECT_TRUE((*writer)->publish(store::TaskStatus::kCompletedWithErrors, cp.progress).ok());
    return task;
  }

  tasks::MasterKey master_{SecretString(crypto::random_bytes(32))};
  std::unique_ptr<tasks::TaskService> service_;
  std::unique_ptr<Api> api_;
  std::string key_;
  std::string other_;
  std::atomic<int> created_ = 0;
};

store::RowError row_error(uint64_t line, std::string raw, std::string column = "timestamp") {
  return {line,           line * 10, std::move(column), "invalid_timestamp", "bad, \"time\"",
          std::move(raw), ""};
}

TEST_F(TaskApiTest, IdempotencyKeyReturnsTheSameTaskAndRefusesAnotherBody) {
  auto first = call("POST", "/integrations/file-load-tasks", kBody, {}, "retry-1");
  ASSERT_EQ(first.status, 201) << first.body;
  auto again = call("POST", "/integrations/file-load-tasks", kBody, {}, "retry-1");
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(parse(again).at("task_id"), parse(first).at("task_id"));
  EXPECT_EQ(created_, 1) << "a replay wakes no worker";

  std::string other = kBody;
  other.replace(other.find("f.csv"), 5, "g.csv");
  auto conflict = call("POST", "/integrations/file-load-tasks", other, {}, "retry-1");
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(err_code(conflict), "idempotency_conflict");

  // Another tenant's key space is its own.
  EXPECT_EQ(call("POST", "/integrations/file-load-tasks", kBody, other_, "retry-1").status, 201);
  // Without the header every POST is a new task.
  EXPECT_NE(post_task(), post_task());

  for (std::string bad : {std::string(201, 'k'), std::string("tab\there"), std::string("é")}) {
    auto resp = call("POST", "/integrations/file-load-tasks", kBody, {}, bad);
    EXPECT_EQ(resp.status, 422) << bad;
    EXPECT_EQ(detail_field(resp), "Idempotency-Key");
  }
  EXPECT_EQ(call("POST", "/integrations/file-load-tasks", kBody, {}, std::string(200, 'k')).status,
            201);
}

// The fingerprint of a body leaves its secrets out (nothing derived from a
// secret is stored) and ignores member order: a retry with rotated
// credentials or another serialisation is the same request.
TEST_F(TaskApiTest, IdempotencyKeyIgnoresSecretsAndMemberOrder) {
  auto first = call("POST", "/integrations/file-load-tasks", kBody, {}, "retry-2");
  ASSERT_EQ(first.status, 201) << first.body;
  std::string rotated = kBody;
  rotated.replace(rotated.find("SECRET-1"), 8, "SECRET-2");
  auto again = call("POST", "/integrations/file-load-tasks", rotated, {}, "retry-2");
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(parse(again).at("task_id"), parse(first).at("task_id"));
  const std::string reordered =
      R"({"credentials":{"aws_secret_access_key":"SECRET-3","aws_access_key_id":"AKIAEXAMPLE"},
          "uri":"s3://bucket/f.csv","method":"s3_iam_user","entity_type":"learning"})";
  auto third = call("POST", "/integrations/file-load-tasks", reordered, {}, "retry-2");
  EXPECT_EQ(third.status, 200) << third.body;
  EXPECT_EQ(created_, 1);
}

TEST_F(TaskApiTest, ConcurrentDuplicatePostsCreateOneTask) {
  constexpr int kThreads = 8;
  std::vector<HttpResponse> responses(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      responses[i] = call("POST", "/integrations/file-load-tasks", kBody, {}, "dup-key");
    });
  }
  for (auto& t : threads) t.join();
  int created = 0;
  std::set<std::string> ids;
  for (const auto& r : responses) {
    ASSERT_TRUE(r.status == 201 || r.status == 200) << r.status << " " << r.body;
    created += r.status == 201;
    ids.insert(std::string(parse(r).at("task_id").as_string()));
  }
  EXPECT_EQ(created, 1);
  EXPECT_EQ(ids.size(), 1u);
  auto list = parse(call("GET", "/integrations/file-load-tasks"));
  EXPECT_EQ(list.at("items").as_array().size(), 1u);
}

TEST_F(TaskApiTest, CancelPendingRunningFinishedAndForeignTasks) {
  std::string running = post_task();
  auto claimed = store_->claim_next_task("w1", SystemClock::instance().now(), 60'000'000);
  ASSERT_TRUE(claimed.ok() && claimed->has_value());
  ASSERT_EQ((*claimed)->id, running);
  std::string pending = post_task();

  auto c1 = call("POST", "/integrations/file-load-tasks/" + pending + "/cancel");
  ASSERT_EQ(c1.status, 202) << c1.body;
  EXPECT_EQ(parse(c1).at("status"), json::value("cancelled"));
  EXPECT_FALSE(parse(c1).at("finished_at").is_null());
  auto c2 = call("POST", "/integrations/file-load-tasks/" + pending + "/cancel");
  EXPECT_EQ(c2.status, 409);
  EXPECT_EQ(err_code(c2), "invalid_state");

  auto c3 = call("POST", "/integrations/file-load-tasks/" + running + "/cancel");
  ASSERT_EQ(c3.status, 202) << c3.body;
  EXPECT_EQ(parse(c3).at("status"), json::value("running"));
  EXPECT_TRUE(parse(c3).at("cancel_requested_at").is_string());
  EXPECT_TRUE(parse(call("GET", "/integrations/file-load-tasks/" + running))
                  .at("cancel_requested_at")
                  .is_string());

  EXPECT_EQ(call("POST", "/integrations/file-load-tasks/flt_nope/cancel").status, 404);
  std::string mine = post_task();
  EXPECT_EQ(call("POST", "/integrations/file-load-tasks/" + mine + "/cancel", "", other_).status,
            404);
  std::string reader = add_key("key_r", std::string(store::kDefaultTenant), "read");
  EXPECT_EQ(call("POST", "/integrations/file-load-tasks/" + mine + "/cancel", "", reader).status,
            403);
  EXPECT_EQ(call("GET", "/integrations/file-load-tasks/" + mine + "/cancel").status, 405);
  EXPECT_EQ(parse(call("GET", "/integrations/file-load-tasks/" + mine)).at("status"),
            json::value("pending"));
}

TEST_F(TaskApiTest, ListIsNewestFirstPaginatedFilteredAndPerTenant) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(post_task());
  std::string wh = kBody;
  wh.replace(wh.find("learning"), 8, "working_history");
  ids.push_back(post_task(wh));
  ASSERT_EQ(call("POST", "/integrations/file-load-tasks/" + ids[0] + "/cancel").status, 202);

  std::vector<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    auto resp = call("GET", "/integrations/file-load-tasks?limit=4" +
                                (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(resp.status, 200) << resp.body;
    auto page = parse(resp);
    ++pages;
    for (const auto& t : page.at("items").as_array()) {
      seen.emplace_back(t.at("task_id").as_string());
      EXPECT_FALSE(t.as_object().contains("row_errors"));
    }
    cursor =
        page.at("next_cursor").is_null() ? "" : std::string(page.at("next_cursor").as_string());
  } while (!cursor.empty());
  EXPECT_EQ(pages, 2);
  EXPECT_EQ(seen, std::vector<std::string>(ids.rbegin(), ids.rend()));

  auto cancelled = parse(call("GET", "/integrations/file-load-tasks?status=cancelled"));
  ASSERT_EQ(cancelled.at("items").as_array().size(), 1u);
  EXPECT_EQ(cancelled.at("items").at(0).at("task_id"), json::value(ids[0]));
  auto by_type = parse(call("GET", "/integrations/file-load-tasks?entity_type=working_history"));
  ASSERT_EQ(by_type.at("items").as_array().size(), 1u);
  EXPECT_EQ(by_type.at("items").at(0).at("task_id"), json::value(ids[5]));

  auto bad_status = call("GET", "/integrations/file-load-tasks?status=done");
  EXPECT_EQ(bad_status.status, 422);
  EXPECT_EQ(detail_field(bad_status), "status");
  auto bad_limit = call("GET", "/integrations/file-load-tasks?limit=1001");
  EXPECT_EQ(bad_limit.status, 422);
  EXPECT_EQ(detail_field(bad_limit), "limit");
  auto bad_cursor = call("GET", "/integrations/file-load-tasks?cursor=zz%21");
  EXPECT_EQ(bad_cursor.status, 422);
  EXPECT_EQ(detail_field(bad_cursor), "cursor");

  auto foreign = parse(call("GET", "/integrations/file-load-tasks", "", other_));
  EXPECT_TRUE(foreign.at("items").as_array().empty());
}

TEST_F(TaskApiTest, TaskJsonCarriesOptionsSupersededAndCancelRequest) {
  std::string body = kBody;
  body.insert(body.rfind('}'), R"(,"options":{"on_error":"abort","delimiter":";"})");
  auto t = parse(call("GET", "/integrations/file-load-tasks/" + post_task(body)));
  EXPECT_EQ(t.at("options").at("on_error"), json::value("abort"));
  EXPECT_EQ(t.at("options").at("delimiter"), json::value(";"));
  EXPECT_EQ(t.at("options").at("validate_access"), json::value(true));
  EXPECT_EQ(t.at("progress").at("rows_superseded"), json::value(0));
  EXPECT_TRUE(t.at("cancel_requested_at").is_null());
  EXPECT_EQ(json::serialize(t).find("SECRET-1"), std::string::npos);
}

TEST_F(TaskApiTest, ErrorReportPagesInFileOrderAndIsPerTenant) {
  std::string id = post_task();
  std::vector<store::RowError> errors;
  for (uint64_t line = 2; line < 7; ++line)
    errors.push_back(row_error(line, "raw," + std::to_string(line)));
  finish_with_errors(errors, R"(["a","b"])");

  std::vector<uint64_t> lines;
  std::string cursor;
  do {
    auto resp = call("GET", "/integrations/file-load-tasks/" + id + "/errors?limit=2" +
                                (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(resp.status, 200) << resp.body;
    auto page = parse(resp);
    for (const auto& e : page.at("items").as_array()) {
      lines.push_back(e.at("line").as_int64());
      EXPECT_EQ(e.at("raw"), json::value("raw," + std::to_string(lines.back())));
      EXPECT_EQ(e.at("byte_offset"), json::value(lines.back() * 10));
      EXPECT_EQ(e.at("column"), json::value("timestamp"));
      EXPECT_EQ(e.at("code"), json::value("invalid_timestamp"));
    }
    cursor =
        page.at("next_cursor").is_null() ? "" : std::string(page.at("next_cursor").as_string());
  } while (!cursor.empty());
  EXPECT_EQ(lines, (std::vector<uint64_t>{2, 3, 4, 5, 6}));

  EXPECT_EQ(call("GET", "/integrations/file-load-tasks/" + id + "/errors?limit=1001").status, 422);
  EXPECT_EQ(call("GET", "/integrations/file-load-tasks/" + id + "/errors?cursor=%21").status, 422);
  EXPECT_EQ(call("GET", "/integrations/file-load-tasks/" + id + "/errors", "", other_).status, 404);
  EXPECT_EQ(
      call("GET", "/integrations/file-load-tasks/" + id + "/errors", "", other_, "", "text/csv")
          .status,
      404);
  EXPECT_EQ(call("GET", "/integrations/file-load-tasks/flt_nope/errors").status, 404);
}

TEST_F(TaskApiTest, ErrorReportAsCsvKeepsTheFileColumnsAndStaysRectangular) {
  std::string body = kBody;
  body.insert(body.rfind('}'), R"(,"options":{"delimiter":";"})");
  std::string id = post_task(body);
  finish_with_errors({row_error(2, "e1;\"x;y\";2021"), row_error(3, "e2;\"broken;z", ""),
                      row_error(4, "e3;a;b;c;d")},
                     R"(["employee_external_id","course_id","timestamp"])");
  auto resp = call("GET", "/integrations/file-load-tasks/" + id + "/errors", "", {}, "",
                   "text/csv, application/json;q=0.5");
  ASSERT_EQ(resp.status, 200) << resp.body;
  EXPECT_EQ(resp.content_type, "text/csv; charset=utf-8");
  EXPECT_EQ(resp.body,
            "employee_external_id;course_id;timestamp;error_line;error_column;error_code;"
            "error_message\r\n"
            "e1;\"x;y\";2021;2;timestamp;invalid_timestamp;\"bad, \"\"time\"\"\"\r\n"
            "e2;\"\"\"broken\";z;3;;invalid_timestamp;\"bad, \"\"time\"\"\"\r\n"
            "e3;a;b;4;timestamp;invalid_timestamp;\"bad, \"\"time\"\"\"\r\n");
  for (const auto& [name, value] : resp.headers) EXPECT_NE(name, "X-Truncated");
}

TEST_F(TaskApiTest, CsvOfATaskWithoutHeaderHasOnlyTheErrorColumns) {
  std::string id = post_task();
  finish_with_errors({row_error(1, "\xEF\xBB\xBF\"a")}, "");
  auto resp =
      call("GET", "/integrations/file-load-tasks/" + id + "/errors", "", {}, "", "text/csv");
  ASSERT_EQ(resp.status, 200);
  EXPECT_EQ(resp.body,
            "error_line,error_column,error_code,error_message\r\n"
            "1,timestamp,invalid_timestamp,\"bad, \"\"time\"\"\"\r\n");
}

TEST_F(TaskApiTest, CsvExportReadsEveryPageAndSaysWhenItIsCut) {
  std::string id = post_task();
  std::vector<store::RowError> errors;
  for (uint64_t line = 2; line < 2502; ++line) errors.push_back(row_error(line, "x"));
  store::Task task = finish_with_errors(errors, R"(["a"])");
  auto resp =
      call("GET", "/integrations/file-load-tasks/" + id + "/errors", "", {}, "", "text/csv");
  ASSERT_EQ(resp.status, 200);
  EXPECT_EQ(std::count(resp.body.begin(), resp.body.end(), '\n'), 2501);
  EXPECT_NE(resp.body.find("\r\nx,2501,timestamp,"), std::string::npos);

  auto fresh = store_->get_task(store::kDefaultTenant, id);
  ASSERT_TRUE(fresh.ok() && fresh->has_value());
  const tasks::TaskView view = tasks::task_view(**fresh);
  auto cut = tasks::export_row_errors_csv(*store_, view, tasks::CsvExportLimits{10, 1 << 20});
  ASSERT_TRUE(cut.ok());
  EXPECT_TRUE(cut->truncated);
  EXPECT_EQ(cut->rows, 10u);
  auto small = tasks::export_row_errors_csv(*store_, view, tasks::CsvExportLimits{100'000, 200});
  ASSERT_TRUE(small.ok());
  EXPECT_TRUE(small->truncated);
  EXPECT_LE(small->body.size(), 200u);
  EXPECT_EQ(small->body.substr(small->body.size() - 2), "\r\n") << "only whole rows";
}

TEST_F(TaskApiTest, AccessCheckRefusesUnreadableObjectsWithS3Code) {
  int checks = 0;
  make_api([&checks](const tasks::CreateTaskRequest& req) -> Status {
    ++checks;
    EXPECT_EQ(req.uri, "s3://bucket/f.csv");
    EXPECT_EQ(req.credentials.secret_access_key.reveal(), "SECRET-1");
    return Error{"NoSuchKey", "The specified key does not exist."};
  });
  auto refused = call("POST", "/integrations/file-load-tasks", kBody, {}, "k-1");
  ASSERT_EQ(refused.status, 422) << refused.body;
  auto detail = parse(refused).at("error").at("details").at(0);
  EXPECT_EQ(detail.at("field"), json::value("uri"));
  EXPECT_EQ(detail.at("code"), json::value("NoSuchKey"));
  EXPECT_EQ(detail.at("message"), json::value("The specified key does not exist."));
  EXPECT_EQ(checks, 1);
  EXPECT_EQ(created_, 0);
  EXPECT_TRUE(parse(call("GET", "/integrations/file-load-tasks")).at("items").as_array().empty());

  std::string body = kBody;
  body.insert(body.rfind('}'), R"(,"options":{"validate_access":false})");
  EXPECT_EQ(call("POST", "/integrations/file-load-tasks", body).status, 201);
  EXPECT_EQ(checks, 1) << "validate_access false skips the check";

  make_api([&checks](const tasks::CreateTaskRequest&) -> Status {
    ++checks;
    return ok_status();
  });
  EXPECT_EQ(call("POST", "/integrations/file-load-tasks", kBody).status, 201);
  EXPECT_EQ(checks, 2);
}

}  // namespace
}  // namespace skillsync::api
