// Api::handle end to end over a real SQLite store, without sockets.
#include "api/api.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <set>

#include "api/rate_limiter.hpp"
#include "api_test_fixture.hpp"
#include "common/crypto.hpp"

namespace skillsync::api {
namespace {
namespace json = boost::json;

constexpr const char* kEvent =
    R"({"external_id":"learning-1","event_type":"learning","timestamp":"2021-01-01T02:00:00+02:00",
        "content":{"course_id":"course-1"},"source":"lms"})";

TEST_F(ApiTest, HealthNeedsNoKeyButEverythingElseDoes) {
  HttpRequest r;
  r.method = "GET";
  r.target = "/healthz";
  EXPECT_EQ(api_->handle(r).status, 200);
  r.target = "/employees/e1/skill_events";
  auto resp = api_->handle(r);
  EXPECT_EQ(resp.status, 401);
  EXPECT_EQ(parse(resp).at("error").at("code"), json::value("unauthenticated"));
  EXPECT_EQ(call("GET", "/employees/e1/skill_events", "", "sk_wrong").status, 401);
  EXPECT_EQ(call("GET", "/integrations/file-load-tasks/flt_x", "", "").status, 401);
}

TEST_F(ApiTest, EventLifecycle) {
  auto created = call("POST", "/employees/employee-1/skill_events?language=en", kEvent);
  ASSERT_EQ(created.status, 201) << created.body;
  auto ev = parse(created);
  EXPECT_EQ(ev.at("employee_external_id"), json::value("employee-1"));
  EXPECT_EQ(ev.at("timestamp"), json::value("2021-01-01T00:00:00Z"));  // normalised to UTC
  EXPECT_EQ(ev.at("language"), json::value("en"));
  EXPECT_EQ(ev.at("content"), json::parse(R"({"course_id":"course-1"})"));
  EXPECT_EQ(ev.at("source"), json::value("lms"));
  EXPECT_TRUE(ev.at("task_id").is_null());

  auto got = call("GET", "/employees/employee-1/skill_events/learning-1");
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(parse(got), ev);

  // Same key again: replaced, not duplicated.
  std::string changed = kEvent;
  changed.replace(changed.find("course-1"), 8, "course-2");
  ASSERT_EQ(call("POST", "/employees/employee-1/skill_events?language=de", changed).status, 201);
  auto list = parse(call("GET", "/employees/employee-1/skill_events"));
  ASSERT_EQ(list.at("items").as_array().size(), 1u);
  EXPECT_EQ(list.at("items").at(0).at("language"), json::value("de"));
  EXPECT_TRUE(list.at("next_cursor").is_null());

  EXPECT_EQ(call("DELETE", "/employees/employee-1/skill_events/learning-1").status, 204);
  EXPECT_EQ(call("GET", "/employees/employee-1/skill_events/learning-1").status, 404);
  EXPECT_EQ(call("DELETE", "/employees/employee-1/skill_events/learning-1").status, 404);
}

TEST_F(ApiTest, InvalidEventNamesEachField) {
  auto resp = call("POST", "/employees/employee-1/skill_events?language=xx",
                   R"({"external_id":"bad id!","event_type":"learning","timestamp":"yesterday",
                       "content":{}})");
  ASSERT_EQ(resp.status, 422);
  auto err = parse(resp).at("error");
  EXPECT_EQ(err.at("code"), json::value("invalid_fields"));
  std::set<std::string> fields;
  for (const auto& d : err.at("details").as_array()) {
    fields.insert(std::string(d.at("field").as_string()));
  }
  EXPECT_TRUE(fields.count("language"));
  EXPECT_TRUE(fields.count("external_id"));
  EXPECT_TRUE(fields.count("timestamp"));
}

TEST_F(ApiTest, MalformedBodiesAndUnknownRoutes) {
  EXPECT_EQ(call("POST", "/employees/e1/skill_events?language=en", "{not json").status, 400);
  HttpRequest r;
  r.method = "POST";
  r.target = "/employees/e1/skill_events?language=en";
  r.authorization = "Bearer " + key_;
  r.content_type = "text/plain";
  r.body = kEvent;
  EXPECT_EQ(api_->handle(r).status, 415);
  EXPECT_EQ(call("GET", "/nope").status, 404);
  EXPECT_EQ(call("PUT", "/integrations/file-load-tasks").status, 405);
  EXPECT_EQ(call("GET", "/employees/e1/skill_events?limit=0").status, 422);
  EXPECT_EQ(call("GET", "/employees/e1/skill_events?limit=1001").status, 422);
  EXPECT_EQ(call("GET", "/employees/e1/skill_events?cursor=%21%21").status, 422);
}

TEST_F(ApiTest, ListPaginatesInTimestampOrder) {
  for (int i = 0; i < 25; ++i) {
    std::string body = R"({"external_id":"x)" + std::to_string(i) +
                       R"(","event_type":"learning","timestamp":"2021-01-)" +
                       (i % 5 < 9 ? "0" : "") + std::to_string(i % 5 + 1) +
                       R"(","content":{"course_id":"c"}})";
    ASSERT_EQ(call("POST", "/employees/e1/skill_events?language=en", body).status, 201);
  }
  std::vector<std::pair<std::string, std::string>> seen;
  std::string cursor;
  int pages = 0;
  do {
    auto page = parse(call("GET", "/employees/e1/skill_events?limit=10" +
                                      (cursor.empty() ? "" : "&cursor=" + cursor)));
    ++pages;
    for (const auto& it : page.at("items").as_array()) {
      seen.emplace_back(it.at("timestamp").as_string(), it.at("external_id").as_string());
    }
    cursor =
        page.at("next_cursor").is_null() ? "" : std::string(page.at("next_cursor").as_string());
  } while (!cursor.empty());
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(seen.size(), 25u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
}

TEST_F(ApiTest, CreatesTasksWithoutEverEchoingCredentials) {
  std::string body = R"({"entity_type":"learning","method":"s3_iam_user","uri":"s3://bucket/f.csv",
    "credentials":{"aws_access_key_id":"AKIAEXAMPLE","aws_secret_access_key":"SECRET-abc-123",
                   "aws_session_token":"TOKEN-xyz-789"}})";
  auto created = call("POST", "/integrations/file-load-tasks", body);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created_, 1);
  auto t = parse(created);
  EXPECT_EQ(t.at("status"), json::value("pending"));
  EXPECT_EQ(t.at("entity_type"), json::value("learning"));
  std::string id(t.at("task_id").as_string());
  auto got = call("GET", "/integrations/file-load-tasks/" + id);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(parse(got).at("task_id"), json::value(id));
  EXPECT_EQ(parse(got).at("progress").at("rows_loaded"), json::value(0));
  for (const auto* r : {&created, &got}) {
    EXPECT_EQ(r->body.find("SECRET-abc-123"), std::string::npos);
    EXPECT_EQ(r->body.find("TOKEN-xyz-789"), std::string::npos);
    EXPECT_EQ(r->body.find("credentials"), std::string::npos);
  }
  EXPECT_EQ(call("GET", "/integrations/file-load-tasks/flt_missing").status, 404);

  auto bad = call("POST", "/integrations/file-load-tasks", R"({"entity_type":"learning"})");
  ASSERT_EQ(bad.status, 422);
  EXPECT_EQ(created_, 1);
}

TEST_F(ApiTest, ScopesDecideWhatAKeyMayDo) {
  std::string reader = generate_api_key();
  ASSERT_TRUE(store_
                  ->add_api_key({"key_r", std::string(store::kDefaultTenant), "read", 0, {}, {}},
                                hash_api_key(reader))
                  .ok());
  EXPECT_EQ(call("GET", "/employees/e1/skill_events", "", reader).status, 200);
  auto denied = call("POST", "/employees/e1/skill_events?language=en", kEvent, reader);
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(parse(denied).at("error").at("code"), json::value("forbidden"));
  EXPECT_EQ(call("GET", "/employees/e1/skill_events/learning-1", "", reader).status, 404);
}

class FixedClock : public Clock {
 public:
  Micros now() const override { return t; }
  Micros t = 1'000'000'000'000;
};

TEST(RateLimiter, RefusesPastTheBurstAndRefillsOverTime) {
  FixedClock clock;
  RateLimiter limiter(2, 3, clock);  // 2 per second, bursts of 3
  EXPECT_EQ(limiter.acquire("a"), 0);
  EXPECT_EQ(limiter.acquire("a"), 0);
  EXPECT_EQ(limiter.acquire("a"), 0);
  EXPECT_EQ(limiter.acquire("a"), 1);  // empty: retry after 1 s
  EXPECT_EQ(limiter.acquire("b"), 0) << "buckets are per key";
  clock.t += 500'000;  // half a second refills one token
  EXPECT_EQ(limiter.acquire("a"), 0);
  EXPECT_EQ(limiter.acquire("a"), 1);
  RateLimiter off(0, 1, clock);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(off.acquire("a"), 0);
}

TEST_F(ApiTest, RateLimitAnswers429WithRetryAfter) {
  FixedClock clock;
  Api limited(*store_, *service_, nullptr, RateLimit{1, 2}, clock);
  HttpRequest r;
  r.method = "GET";
  r.target = "/employees/e1/skill_events";
  r.authorization = "Bearer " + key_;
  EXPECT_EQ(limited.handle(r).status, 200);
  EXPECT_EQ(limited.handle(r).status, 200);
  auto refused = limited.handle(r);
  EXPECT_EQ(refused.status, 429);
  ASSERT_EQ(refused.headers.size(), 1u);
  EXPECT_EQ(refused.headers[0].first, "Retry-After");
  EXPECT_EQ(refused.headers[0].second, "1");
  r.target = "/healthz";
  r.authorization.clear();
  EXPECT_EQ(limited.handle(r).status, 200) << "health checks are not limited";
}

}  // namespace
}  // namespace skillsync::api
