// The route walk: the OpenAPI document the real server serves, checked
// against that server. Every documented operation is called (with a key,
// path parameters from real ids made here, then unknown ids) and must answer
// one of its documented statuses with a documented media type; every other
// method on a documented path is a 405, so the server routes nothing the
// document lacks (the unit test api/openapi_test.cpp ties the document to
// the router's table too). Nothing is written by hand: operations, required
// query parameters and statuses all come from the document.
#include <gtest/gtest.h>

#include "integration/it_env.hpp"

namespace skillsync::it {
namespace {
namespace json = boost::json;

class OpenApiTest : public StackTest<OpenApiTest> {
 public:
  // Webhooks may reach 127.0.0.1:9 (nothing listens: deliveries fail and retry).
  static StackOptions stack_options() {
    StackOptions o;
    o.env["SKILLSYNC_WEBHOOK_ALLOW_HOST"] = "127.0.0.1:9";
    return o;
  }

 protected:
  json::object document() {
    ApiResponse r = app().request("GET", "/openapi.json", "", std::string());
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("content-type"), "application/json");
    json::value v = r.json();
    EXPECT_TRUE(v.is_object()) << r.body.substr(0, 200);
    return v.is_object() ? v.get_object() : json::object{};
  }
};

// Follows a local "$ref" ("#/components/responses/NotFound").
const json::object& resolve(const json::object& doc, const json::object& o) {
  const auto* ref = o.if_contains("$ref");
  if (ref == nullptr) return o;
  std::string_view path = ref->as_string();
  path.remove_prefix(2);  // "#/"
  const json::value* at = &doc.at("components");
  path.remove_prefix(std::string_view("components/").size());
  while (!path.empty()) {
    const size_t slash = path.find('/');
    at = &at->as_object().at(path.substr(0, slash));
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
  }
  return at->as_object();
}

std::string fill(std::string_view path, const std::map<std::string, std::string>& ids,
                 const std::string& unknown) {
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] != '{') {
      out += path[i];
      continue;
    }
    const size_t close = path.find('}', i);
    const std::string name(path.substr(i + 1, close - i - 1));
    out += unknown.empty() ? ids.at(name) : unknown;
    i = close;
  }
  return out;
}

// "?name=value&..." for the required query parameters (their first enum value).
std::string required_query(const json::object& doc, const json::object& op) {
  std::string q;
  const auto* params = op.if_contains("parameters");
  if (params == nullptr) return q;
  for (const auto& p : params->as_array()) {
    const json::object& param = resolve(doc, p.as_object());
    if (param.at("in") != "query" || !param.at("required").as_bool()) continue;
    const auto& values = param.at("schema").at("enum").as_array();
    q += (q.empty() ? "?" : "&") + std::string(param.at("name").as_string()) + "=" +
         std::string(values.at(0).as_string());
  }
  return q;
}

struct Walked {
  std::string method, path, target;
  long status = 0;
};

// Calls every operation once; fails on an undocumented status or media type.
std::vector<Walked> walk(SkillsyncProcess& app, const json::object& doc,
                         const std::map<std::string, std::string>& ids,
                         const std::string& unknown) {
  std::vector<Walked> out;
  for (const auto& path : doc.at("paths").as_object()) {
    for (const auto& [method_lower, op_value] : path.value().as_object()) {
      const json::object& op = op_value.as_object();
      std::string method(method_lower);
      for (char& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      const std::string target = fill(path.key(), ids, unknown) + required_query(doc, op);
      const std::string body = op.contains("requestBody") ? "{}" : "";
      const ApiResponse r = app.request(method, target, body);
      out.push_back({method, std::string(path.key()), target, r.status});
      const json::object& responses = op.at("responses").as_object();
      const auto* documented = responses.if_contains(std::to_string(r.status));
      if (documented == nullptr) {
        ADD_FAILURE() << method << " " << target << " answered " << r.status
                      << ", not a documented status: " << r.body.substr(0, 300);
        continue;
      }
      const json::object& resp = resolve(doc, documented->as_object());
      const std::string type = r.header("content-type");
      if (!resp.contains("content")) {
        EXPECT_TRUE(r.body.empty()) << method << " " << target;
        continue;
      }
      const std::string media = type.substr(0, type.find(';'));
      EXPECT_TRUE(resp.at("content").as_object().contains(media))
          << method << " " << target << " " << r.status << ": undocumented type " << type;
    }
  }
  return out;
}

TEST_F(OpenApiTest, EveryDocumentedOperationAnswersADocumentedStatus) {
  const json::object doc = document();
  ASSERT_TRUE(doc.contains("paths"));
  // Real ids: an event and a finished task with a rejected row.
  const std::string employee = unique_id("oa");
  ApiResponse event = app().post(
      "/employees/" + employee + "/skill_events?language=en",
      R"({"external_id":"oa-1","event_type":"learning","timestamp":"2021-01-01T00:00:00Z",
          "content":{"course_id":"c1"}})");
  ASSERT_EQ(event.status, 201) << event.body;
  const std::string uri =
      stack().upload(unique_id("oa") + ".csv",
                     "employee_external_id,language,external_id,timestamp,course_id\n" + employee +
                         ",en,oa-2,2021-01-02,c2\n" + employee + ",en,oa-3,not-a-time,c3\n");
  const TaskTrace task = run_task(stack(), uri);
  ASSERT_EQ(task.status(), "completed_with_errors");
  // A source (its routes come before its DELETE in the document).
  json::object source{{"name", "oa"},
                      {"entity_type", "learning"},
                      {"uri", stack().uri(unique_id("oa-src") + "/")},
                      {"pattern", "*.csv"},
                      {"schedule", {{"every", "1h"}}},
                      {"credentials",
                       {{"aws_access_key_id", stack().s3().access_key_id()},
                        {"aws_secret_access_key", stack().s3().secret_access_key()}}}};
  ApiResponse created = app().post("/integrations/sources", json::serialize(source));
  ASSERT_EQ(created.status, 201) << created.body;
  // A webhook endpoint and one of its events.
  ApiResponse hook =
      app().post("/integrations/webhooks",
                 R"({"url":"http://127.0.0.1:9/hook","event_types":["healthcheck.v1"]})");
  ASSERT_EQ(hook.status, 201) << hook.body;
  const std::string webhook_id = str(as_object(hook.json()), "id");
  ApiResponse sent = app().post("/integrations/webhooks/" + webhook_id + "/test", "");
  ASSERT_EQ(sent.status, 202) << sent.body;
  const std::map<std::string, std::string> ids = {
      {"employee_external_id", employee},
      {"external_id", "oa-1"},
      {"task_id", str(task.task, "task_id")},
      {"source_id", str(as_object(created.json()), "source_id")},
      {"asset", "app.js"},
      {"webhook_id", webhook_id},
      {"event_id", str(as_object(sent.json()), "event_id")}};

  // A GET whose 200 offers JSON and other media types (content negotiation)
  // serves each when asked for (before the walk deletes the event).
  for (const auto& path : doc.at("paths").as_object()) {
    const auto* get = path.value().as_object().if_contains("get");
    if (get == nullptr || !get->at("responses").as_object().contains("200")) continue;
    const json::object& ok = resolve(doc, get->at("responses").at("200").as_object());
    const json::object& media_types = ok.at("content").as_object();
    if (media_types.size() < 2 || !media_types.contains("application/json")) continue;
    for (const auto& media : media_types) {
      const std::string target = fill(path.key(), ids, "") + required_query(doc, get->as_object());
      const ApiResponse r =
          app().request_with_headers("GET", target, {{"Accept", std::string(media.key())}});
      EXPECT_EQ(r.status, 200) << target << " " << media.key();
      EXPECT_EQ(r.header("content-type").rfind(media.key(), 0), 0u)
          << target << " asked for " << media.key() << ", got " << r.header("content-type");
    }
  }
  const auto real = walk(app(), doc, ids, "");
  size_t operations = 0;
  for (const Walked& w : real) {
    ++operations;
    if (w.method == "GET") {
      EXPECT_LT(w.status, 400) << w.target << ": real ids are found";
    }
  }
  EXPECT_GE(operations, 10u);
  // Unknown ids: the routes that name a resource answer a documented 404.
  for (const Walked& w : walk(app(), doc, ids, "unknown-id-1")) {
    if (w.path.find("{external_id}") != std::string::npos ||
        w.path.find("{task_id}") != std::string::npos ||
        w.path.find("{source_id}") != std::string::npos ||
        w.path.find("{webhook_id}") != std::string::npos) {
      EXPECT_EQ(w.status, 404) << w.method << " " << w.target;
    }
  }
}

TEST_F(OpenApiTest, TheServerRoutesNothingTheDocumentLacks) {
  const json::object doc = document();
  ASSERT_TRUE(doc.contains("paths"));
  for (const auto& path : doc.at("paths").as_object()) {
    const std::string target = fill(path.key(), {}, "x1");
    for (std::string_view m : {"get", "post", "put", "patch", "delete"}) {
      if (path.value().as_object().contains(m)) continue;
      std::string method(m);
      for (char& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      EXPECT_EQ(app().request(method, target, "").status, 405) << method << " " << target;
    }
  }
  // Paths beside the documented ones are no endpoint at all.
  for (const char* other : {"/", "/employees", "/employees/x1", "/integrations",
                            "/integrations/file-load-tasks/x1/other", "/openapi.yaml"}) {
    EXPECT_EQ(app().get(other).status, 404) << other;
  }
}

}  // namespace
}  // namespace skillsync::it
