// The HTTP surface of the real binary: authentication on every endpoint and
// the answers to bad request bodies.
#include <gtest/gtest.h>

#include "integration/it_env.hpp"

namespace skillsync::it {
namespace {
namespace json = boost::json;

class ApiErrorsTest : public StackTest<ApiErrorsTest> {};

struct Endpoint {
  std::string method;
  std::string path;
  std::string body;
};

std::vector<Endpoint> protected_endpoints(const std::string& employee) {
  const std::string event =
      R"({"external_id": "x-1", "event_type": "learning", "timestamp": "2021-01-01",
          "content": {"course_id": "c"}})";
  const std::string task =
      R"({"entity_type": "learning", "method": "s3_iam_user", "uri": "s3://skillsync-it/a.csv",
          "credentials": {"aws_access_key_id": "AKIAX", "aws_secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}})";
  return {
      {"POST", "/integrations/file-load-tasks", task},
      {"GET", "/integrations/file-load-tasks/flt_does_not_matter", ""},
      {"POST", "/employees/" + employee + "/skill_events?language=en", event},
      {"GET", "/employees/" + employee + "/skill_events", ""},
      {"GET", "/employees/" + employee + "/skill_events/x-1", ""},
      {"DELETE", "/employees/" + employee + "/skill_events/x-1", ""},
      {"GET", "/no/such/endpoint", ""},
  };
}

void expect_error(const ApiResponse& r, long status, const std::string& code) {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_EQ(r.header("content-type").rfind("application/json", 0), 0u) << r.header("content-type");
  const json::value v = r.json();
  ASSERT_TRUE(v.is_object()) << "not a JSON error: " << r.body;
  const json::object& error = obj(v.get_object(), "error");
  EXPECT_EQ(str(error, "code"), code) << r.body;
  EXPECT_FALSE(str(error, "message").empty()) << r.body;
}

// The field names of a 422's details, in order.
std::vector<std::string> detail_fields(const ApiResponse& r) {
  std::vector<std::string> fields;
  const json::value v = r.json();
  if (!v.is_object()) return fields;
  const json::object& error = obj(v.get_object(), "error");
  if (!error.contains("details")) return fields;
  for (const auto& d : as_array(error.at("details"))) fields.push_back(str(as_object(d), "field"));
  return fields;
}

std::string detail_code(const ApiResponse& r, const std::string& field) {
  const json::value v = r.json();
  if (!v.is_object()) return {};
  const json::object& error = obj(v.get_object(), "error");
  if (!error.contains("details")) return {};
  for (const auto& d : as_array(error.at("details"))) {
    if (str(as_object(d), "field") == field) return str(as_object(d), "code");
  }
  return {};
}

TEST_F(ApiErrorsTest, HealthzNeedsNoKey) {
  ApiResponse r = app().request("GET", "/healthz", "", std::string());
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.json(), json::parse(R"({"status":"ok"})"));
}

TEST_F(ApiErrorsTest, EveryOtherEndpointRequiresAValidKey) {
  const std::string employee = unique_id("emp-auth");
  const std::vector<std::string> refused = {
      "",                                 // no Authorization header at all
      "Bearer sk_" + random_token(40),    // a key that does not exist
      "Bearer " + app().api_key() + "x",  // almost the right key
      "Basic " + app().api_key(),         // the right key, wrong scheme
      "Bearer ",                          // an empty key
  };
  for (const Endpoint& ep : protected_endpoints(employee)) {
    for (const std::string& auth : refused) {
      SCOPED_TRACE(ep.method + " " + ep.path + " with Authorization '" + auth + "'");
      ApiResponse r = app().request(ep.method, ep.path, ep.body, auth);
      expect_error(r, 401, "unauthenticated");
      EXPECT_EQ(r.header("www-authenticate"), "Bearer");
    }
  }
  // Nothing was written by the refused requests.
  EXPECT_EQ(app().get("/employees/" + employee + "/skill_events/x-1").status, 404);
  // And the right key works on the same endpoint.
  ApiResponse ok = app().get("/employees/" + employee + "/skill_events");
  EXPECT_EQ(ok.status, 200) << ok.body;
}

TEST_F(ApiErrorsTest, MalformedJsonIs400) {
  const std::string employee = unique_id("emp-bad");
  for (const std::string& path : {std::string("/integrations/file-load-tasks"),
                                  "/employees/" + employee + "/skill_events?language=en"}) {
    for (const std::string& body : {std::string("{not json"), std::string("{\"a\": 1,}"),
                                    std::string("\"just a string\""), std::string("[1, 2]")}) {
      SCOPED_TRACE(path + " <- " + body);
      expect_error(app().post(path, body), 400, "malformed_json");
    }
  }
}

TEST_F(ApiErrorsTest, InvalidTaskFieldsAre422NamingEachField) {
  ApiResponse empty = app().post("/integrations/file-load-tasks", "{}");
  expect_error(empty, 422, "invalid_fields");
  std::vector<std::string> fields = detail_fields(empty);
  for (const char* f : {"entity_type", "method", "uri", "credentials"}) {
    EXPECT_NE(std::find(fields.begin(), fields.end(), f), fields.end()) << f << ": " << empty.body;
    EXPECT_EQ(detail_code(empty, f), "required") << f;
  }

  ApiResponse bad = app().post("/integrations/file-load-tasks", R"({
      "entity_type": "course", "method": "s3_presigned", "uri": "https://bucket/key.csv",
      "region": "EU WEST", "colour": "blue",
      "credentials": {"aws_access_key_id": "AKIAX", "aws_secret_access_key": 7,
                      "token": "t"}})");
  expect_error(bad, 422, "invalid_fields");
  EXPECT_EQ(detail_code(bad, "entity_type"), "unknown_entity_type") << bad.body;
  EXPECT_EQ(detail_code(bad, "method"), "unsupported_method") << bad.body;
  EXPECT_EQ(detail_code(bad, "uri"), "invalid_uri") << bad.body;
  EXPECT_EQ(detail_code(bad, "region"), "invalid_region") << bad.body;
  EXPECT_EQ(detail_code(bad, "colour"), "unknown_field") << bad.body;
  EXPECT_EQ(detail_code(bad, "credentials.aws_secret_access_key"), "invalid_type") << bad.body;
  EXPECT_EQ(detail_code(bad, "credentials.token"), "unknown_field") << bad.body;
  EXPECT_EQ(detail_fields(bad).size(), 7u) << bad.body;
}

TEST_F(ApiErrorsTest, InvalidEventFieldsAre422NamingEachField) {
  const std::string employee = unique_id("emp-inv");
  ApiResponse bad = app().post("/employees/" + employee + "/skill_events?language=en",
                               R"({"external_id": "not valid!", "event_type": "learning",
                                   "timestamp": "yesterday", "content": {"course_id": "c"},
                                   "extra": 1})");
  expect_error(bad, 422, "invalid_fields");
  EXPECT_EQ(detail_code(bad, "external_id"), "invalid_external_id") << bad.body;
  EXPECT_EQ(detail_code(bad, "timestamp"), "invalid_timestamp") << bad.body;
  EXPECT_EQ(detail_code(bad, "extra"), "unknown_field") << bad.body;

  ApiResponse no_language = app().post("/employees/" + employee + "/skill_events",
                                       R"({"external_id": "ok-1", "event_type": "learning",
                                           "timestamp": "2021-01-01", "content": {}})");
  expect_error(no_language, 422, "invalid_fields");
  EXPECT_EQ(detail_code(no_language, "language"), "required") << no_language.body;
  EXPECT_FALSE(detail_code(no_language, "content").empty()) << no_language.body;
  EXPECT_TRUE(list_all_events(app(), employee).empty());
}

TEST_F(ApiErrorsTest, BodyOverOneMebibyteIs413) {
  // Valid JSON, so only its size can be the reason.
  std::string big = R"({"entity_type": "learning", "padding": ")";
  big.append(size_t{1} << 20, 'a');
  big += "\"}";
  expect_error(app().post("/integrations/file-load-tasks", big), 413, "body_too_large");
  const std::string employee = unique_id("emp-big-body");
  expect_error(app().post("/employees/" + employee + "/skill_events?language=en", big), 413,
               "body_too_large");
  // The server still answers after refusing it.
  EXPECT_EQ(app().request("GET", "/healthz", "", std::string()).status, 200);
}

TEST_F(ApiErrorsTest, UnknownTaskAndEventAre404) {
  expect_error(app().get("/integrations/file-load-tasks/flt_" + random_token(16)), 404,
               "not_found");
  const std::string employee = unique_id("emp-404");
  const std::string event = "/employees/" + employee + "/skill_events/e-1";
  expect_error(app().get(event), 404, "not_found");
  expect_error(app().del(event), 404, "not_found");
  ApiResponse posted = app().post("/employees/" + employee + "/skill_events?language=auto",
                                  R"({"external_id": "e-1", "event_type": "learning",
                                      "timestamp": "2021-01-01T00:00:00Z",
                                      "content": {"course_id": "c"}})");
  ASSERT_EQ(posted.status, 201) << posted.body;
  EXPECT_EQ(app().del(event).status, 204);
  expect_error(app().get(event), 404, "not_found");
}

TEST_F(ApiErrorsTest, NonJsonContentTypeIs415) {
  ApiResponse r =
      app().request("POST", "/integrations/file-load-tasks", "{}", std::nullopt, "text/csv");
  expect_error(r, 415, "unsupported_media_type");
}

}  // namespace
}  // namespace skillsync::it
