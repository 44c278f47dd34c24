// Tenants: a key of tenant B can never see, change, cancel or even detect
// tenant A's events and tasks on any endpoint (404 exactly as for an absent
// one; lists leave them out), and a read-only key can write nothing.
#include <gtest/gtest.h>

#include <sstream>

#include "integration/it_env.hpp"
#include "support/http_client.hpp"

namespace skillsync::it {
namespace {
namespace json = boost::json;

class TenantIsolationTest : public StackTest<TenantIsolationTest> {
 protected:
  // A new key of `tenant` made with `skillsync keys create` on the running
  // server's data directory.
  std::string create_key(const std::string& tenant, const std::string& scopes) {
    CommandResult r = run_skillsync({"keys", "create", "--tenant", tenant, "--scope", scopes,
                                     "--data-dir", app().data_dir(), "--log-level", "warn"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::string out = r.out;
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out.substr(out.rfind('\n') + 1);
  }

  ApiResponse call(const std::string& key, const std::string& method, const std::string& path,
                   const std::string& body = "", std::map<std::string, std::string> headers = {}) {
    headers["Authorization"] = "Bearer " + key;
    if (!body.empty()) headers["Content-Type"] = "application/json";
    testsupport::HttpResponse r =
        testsupport::request(method, app().base_url() + path, headers, body);
    return ApiResponse{r.status, std::move(r.body), std::move(r.headers)};
  }

  std::string task_body(const std::string& uri) {
    const auto& s3 = stack().s3();
    json::object body{
        {"entity_type", "learning"},
        {"method", "s3_iam_user"},
        {"uri", uri},
        {"credentials", json::object{{"aws_access_key_id", s3.access_key_id()},
                                     {"aws_secret_access_key", s3.secret_access_key()}}}};
    return json::serialize(body);
  }

  // POSTs a task as `key` and returns its id ("" after a test failure).
  std::string post_task(const std::string& key, const std::string& uri,
                        std::map<std::string, std::string> headers = {}) {
    ApiResponse r = call(key, "POST", "/integrations/file-load-tasks", task_body(uri), headers);
    EXPECT_EQ(r.status, 201) << r.body;
    if (r.status != 201) return "";
    return str(as_object(r.json()), "task_id");
  }

  // Polls the task as `key` until it ends; returns its last document.
  json::object wait_task(const std::string& key, const std::string& id) {
    json::object last;
    const bool done = testsupport::wait_until(
        [&] {
          ApiResponse r = call(key, "GET", "/integrations/file-load-tasks/" + id);
          if (r.status != 200) return false;
          last = as_object(r.json());
          return is_terminal_status(str(last, "status"));
        },
        std::chrono::seconds(60), std::chrono::milliseconds(50));
    EXPECT_TRUE(done) << json::serialize(last);
    return last;
  }

  std::vector<std::string> task_ids(const std::string& key, const std::string& query = "") {
    ApiResponse r = call(key, "GET", "/integrations/file-load-tasks?limit=1000" + query);
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<std::string> ids;
    if (r.status != 200) return ids;
    const json::value v = r.json();
    for (const auto& t : as_array(as_object(v).at("items"))) {
      ids.push_back(str(as_object(t), "task_id"));
    }
    return ids;
  }

  static bool contains(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  }

  // Asserts that `other` is answered exactly as `absent`: same status, same
  // body. What tenant B gets for tenant A's object must not tell it apart
  // from an object that does not exist.
  static void expect_same(const ApiResponse& other, const ApiResponse& absent) {
    EXPECT_EQ(other.status, absent.status) << other.body;
    EXPECT_EQ(other.body, absent.body);
  }
};

constexpr const char* kEventA =
    R"({"external_id":"ev-1","event_type":"learning","timestamp":"2021-01-01T00:00:00Z",
        "content":{"course_id":"course-of-a"}})";
constexpr const char* kEventB =
    R"({"external_id":"ev-1","event_type":"learning","timestamp":"2021-02-02T00:00:00Z",
        "content":{"course_id":"course-of-b"}})";

std::string course_of(const ApiResponse& r) {
  return str(obj(as_object(r.json()), "content"), "course_id");
}

TEST_F(TenantIsolationTest, EventsOfOneTenantAreInvisibleToAnother) {
  const std::string a = create_key(unique_id("tenant-a"), "read,write");
  const std::string b = create_key(unique_id("tenant-b"), "read,write");
  const std::string emp = unique_id("emp");
  const std::string events = "/employees/" + emp + "/skill_events";
  ASSERT_EQ(call(a, "POST", events + "?language=en", kEventA).status, 201);

  expect_same(call(b, "GET", events + "/ev-1"), call(b, "GET", events + "/ev-absent"));
  EXPECT_EQ(call(b, "GET", events + "/ev-1").status, 404);
  ApiResponse list = call(b, "GET", events);
  ASSERT_EQ(list.status, 200);
  EXPECT_TRUE(as_array(as_object(list.json()).at("items")).empty()) << list.body;
  expect_same(call(b, "DELETE", events + "/ev-1"), call(b, "DELETE", events + "/ev-absent"));
  EXPECT_EQ(call(b, "DELETE", events + "/ev-1").status, 404);
  ASSERT_EQ(call(a, "GET", events + "/ev-1").status, 200) << "B's DELETE changed nothing";

  // B writing the same ids makes B's own event and leaves A's alone.
  ASSERT_EQ(call(b, "POST", events + "?language=de", kEventB).status, 201);
  EXPECT_EQ(course_of(call(a, "GET", events + "/ev-1")), "course-of-a");
  EXPECT_EQ(course_of(call(b, "GET", events + "/ev-1")), "course-of-b");
  for (const auto& [key, course] : {std::pair{a, "course-of-a"}, std::pair{b, "course-of-b"}}) {
    ApiResponse l = call(key, "GET", events);
    const json::value v = l.json();
    const auto& items = as_array(as_object(v).at("items"));
    ASSERT_EQ(items.size(), 1u) << l.body;
    EXPECT_EQ(str(obj(as_object(items.at(0)), "content"), "course_id"), course);
  }
  EXPECT_EQ(call(b, "DELETE", events + "/ev-1").status, 204);
  EXPECT_EQ(call(b, "GET", events + "/ev-1").status, 404);
  EXPECT_EQ(course_of(call(a, "GET", events + "/ev-1")), "course-of-a");
  // The server's own (default tenant) key sees neither.
  EXPECT_EQ(app().get(events + "/ev-1").status, 404);
}

TEST_F(TenantIsolationTest, TasksOfOneTenantAreInvisibleToAnotherOnEveryEndpoint) {
  const std::string a = create_key(unique_id("tenant-a"), "read,write");
  const std::string b = create_key(unique_id("tenant-b"), "read,write");
  const std::string emp = unique_id("emp");
  const std::string uri =
      stack().upload(unique_id("iso") + ".csv",
                     "employee_external_id,language,external_id,timestamp,course_id\n" + emp +
                         ",en,t-1,2021-01-01,c-1\n" + emp + ",en,t-2,not-a-time,c-2\n");
  const std::string id = post_task(a, uri);
  ASSERT_FALSE(id.empty());
  const json::object done = wait_task(a, id);
  ASSERT_EQ(str(done, "status"), "completed_with_errors") << json::serialize(done);
  const std::string task = "/integrations/file-load-tasks/" + id;
  const std::string absent = "/integrations/file-load-tasks/flt_" + random_token(20);

  // A sees its task, its errors as JSON and as CSV.
  EXPECT_EQ(call(a, "GET", task).status, 200);
  ApiResponse errors_a = call(a, "GET", task + "/errors");
  ASSERT_EQ(errors_a.status, 200);
  EXPECT_EQ(as_array(as_object(errors_a.json()).at("items")).size(), 1u) << errors_a.body;
  ApiResponse csv_a = call(a, "GET", task + "/errors", "", {{"Accept", "text/csv"}});
  ASSERT_EQ(csv_a.status, 200);
  EXPECT_NE(csv_a.body.find("not-a-time"), std::string::npos) << csv_a.body;

  // B: every endpoint answers as if the task did not exist.
  expect_same(call(b, "GET", task), call(b, "GET", absent));
  EXPECT_EQ(call(b, "GET", task).status, 404);
  expect_same(call(b, "GET", task + "/errors"), call(b, "GET", absent + "/errors"));
  EXPECT_EQ(call(b, "GET", task + "/errors").status, 404);
  ApiResponse csv_b = call(b, "GET", task + "/errors", "", {{"Accept", "text/csv"}});
  expect_same(csv_b, call(b, "GET", absent + "/errors", "", {{"Accept", "text/csv"}}));
  EXPECT_EQ(csv_b.status, 404);
  EXPECT_EQ(csv_b.body.find("not-a-time"), std::string::npos);
  // A finished task of A's: 404 for B, not the 409 that would reveal it.
  ApiResponse cancel_b = call(b, "POST", task + "/cancel");
  expect_same(cancel_b, call(b, "POST", absent + "/cancel"));
  EXPECT_EQ(cancel_b.status, 404);
  EXPECT_EQ(call(a, "POST", task + "/cancel").status, 409) << "A is told it has finished";
  EXPECT_FALSE(contains(task_ids(b), id));
  EXPECT_FALSE(contains(task_ids(b, "&status=completed_with_errors"), id));
  EXPECT_FALSE(contains(task_ids(b, "&entity_type=learning"), id));
  EXPECT_FALSE(contains(task_ids(app().api_key()), id)) << "nor the default tenant";
  EXPECT_TRUE(contains(task_ids(a), id));
  EXPECT_TRUE(contains(task_ids(a, "&status=completed_with_errors"), id));

  // A task of A's that has not ended: B cannot cancel it; it completes.
  const std::string id2 = post_task(a, uri);
  ASSERT_FALSE(id2.empty());
  EXPECT_EQ(call(b, "POST", "/integrations/file-load-tasks/" + id2 + "/cancel").status, 404);
  EXPECT_EQ(str(wait_task(a, id2), "status"), "completed_with_errors");

  // B's own rows never include A's events.
  EXPECT_TRUE(
      as_array(as_object(call(b, "GET", "/employees/" + emp + "/skill_events").json()).at("items"))
          .empty());
}

TEST_F(TenantIsolationTest, IdempotencyKeysArePerTenant) {
  const std::string a = create_key(unique_id("tenant-a"), "read,write");
  const std::string b = create_key(unique_id("tenant-b"), "read,write");
  const std::string c = create_key(unique_id("tenant-c"), "read,write");
  const std::string header = "employee_external_id,language,external_id,timestamp,course_id\n";
  const std::string uri = stack().upload(unique_id("idem") + ".csv",
                                         header + unique_id("emp") + ",en,i-1,2021-01-01,c-1\n");
  const std::string other_uri = stack().upload(
      unique_id("idem") + ".csv", header + unique_id("emp") + ",en,i-2,2021-01-01,c-2\n");
  const std::string idem = unique_id("idem-key");
  const std::string id_a = post_task(a, uri, {{"Idempotency-Key", idem}});
  ASSERT_FALSE(id_a.empty());
  // The same key and body from B: a new task of B's (201), not A's task.
  const std::string id_b = post_task(b, uri, {{"Idempotency-Key", idem}});
  ASSERT_FALSE(id_b.empty());
  EXPECT_NE(id_b, id_a);
  // The same key with another body from C: no 409, which would reveal that
  // another tenant used the key.
  const std::string id_c = post_task(c, other_uri, {{"Idempotency-Key", idem}});
  ASSERT_FALSE(id_c.empty());
  EXPECT_NE(id_c, id_a);
  EXPECT_NE(id_c, id_b);
  // Within A, the key still answers with A's task.
  ApiResponse retry =
      call(a, "POST", "/integrations/file-load-tasks", task_body(uri), {{"Idempotency-Key", idem}});
  EXPECT_EQ(retry.status, 200) << retry.body;
  EXPECT_EQ(str(as_object(retry.json()), "task_id"), id_a);
  for (const auto& [key, id] : {std::pair{a, id_a}, std::pair{b, id_b}, std::pair{c, id_c}}) {
    EXPECT_EQ(str(wait_task(key, id), "status"), "completed");
  }
}

TEST_F(TenantIsolationTest, AReadOnlyKeyGets403OnEveryWriteAndChangesNothing) {
  const std::string tenant = unique_id("tenant-r");
  const std::string rw = create_key(tenant, "read,write");
  const std::string ro = create_key(tenant, "read");
  const std::string wo = create_key(tenant, "write");
  const std::string emp = unique_id("emp");
  const std::string events = "/employees/" + emp + "/skill_events";
  ASSERT_EQ(call(rw, "POST", events + "?language=en", kEventA).status, 201);
  const std::string uri = stack().upload(
      unique_id("ro") + ".csv", "employee_external_id,language,external_id,timestamp,course_id\n" +
                                    emp + ",en,r-1,2021-01-01,c-1\n");
  const std::string id = post_task(rw, uri);
  ASSERT_FALSE(id.empty());
  const std::string task = "/integrations/file-load-tasks/" + id;
  const std::vector<std::string> before = task_ids(ro);

  struct Write {
    std::string method, path, body;
  };
  const std::vector<Write> writes = {{"POST", events + "?language=en", kEventB},
                                     {"DELETE", events + "/ev-1", ""},
                                     {"POST", "/integrations/file-load-tasks", task_body(uri)},
                                     {"POST", task + "/cancel", ""}};
  for (const Write& w : writes) {
    SCOPED_TRACE(w.method + " " + w.path);
    ApiResponse r = call(ro, w.method, w.path, w.body);
    EXPECT_EQ(r.status, 403) << r.body;
    EXPECT_EQ(str(obj(as_object(r.json()), "error"), "code"), "forbidden");
  }
  EXPECT_EQ(task_ids(ro), before) << "no task was created";
  EXPECT_EQ(course_of(call(ro, "GET", events + "/ev-1")), "course-of-a") << "nothing changed";
  EXPECT_NE(str(wait_task(ro, id), "status"), "cancelled");

  // And a write-only key reads nothing.
  for (const std::string& path :
       {events, events + "/ev-1", std::string("/integrations/file-load-tasks"), task,
        task + "/errors"}) {
    SCOPED_TRACE("GET " + path);
    EXPECT_EQ(call(wo, "GET", path).status, 403);
  }
}

}  // namespace
}  // namespace skillsync::it
