// The request context: X-Request-Id validation, W3C traceparent parsing,
// route templates (a closed set of metric labels), the request's log line
// fields and the JSON log line.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "api/request_context.hpp"
#include "common/log.hpp"

namespace skillsync::api {
namespace {

TEST(RequestId, AcceptsOneTo128SafeCharacters) {
  EXPECT_TRUE(is_valid_request_id("a"));
  EXPECT_TRUE(is_valid_request_id("Req-1.2_3"));
  EXPECT_TRUE(is_valid_request_id(std::string(128, 'x')));
  EXPECT_FALSE(is_valid_request_id(""));
  EXPECT_FALSE(is_valid_request_id(std::string(129, 'x')));
  EXPECT_FALSE(is_valid_request_id("a b"));
  EXPECT_FALSE(is_valid_request_id("a\"b"));
  EXPECT_FALSE(is_valid_request_id("a\nb"));
  EXPECT_FALSE(is_valid_request_id("ü"));
}

TEST(RequestId, AValidOneIsKeptAndAnInvalidOneReplaced) {
  HttpRequest r;
  {
    auto fields = begin_request(r, "client-id.1", "");
    EXPECT_EQ(r.request_id, "client-id.1");
    ASSERT_EQ(log::current_fields().size(), 1u);
    EXPECT_EQ(log::current_fields()[0].value, "client-id.1");
  }
  EXPECT_TRUE(log::current_fields().empty()) << "the fields end with the request";
  auto fields = begin_request(r, "bad id", "");
  EXPECT_NE(r.request_id, "bad id");
  EXPECT_TRUE(is_valid_request_id(r.request_id));
  HttpRequest other;
  auto other_fields = begin_request(other, "", "");
  EXPECT_NE(other.request_id, r.request_id) << "generated ids differ";
}

TEST(Traceparent, AcceptsTheSpecsExample) {
  EXPECT_EQ(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
            std::optional<std::string>("4bf92f3577b34da6a3ce929d0e0e4736"));
  EXPECT_EQ(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"),
            std::optional<std::string>("4bf92f3577b34da6a3ce929d0e0e4736"));
}

TEST(Traceparent, RefusesEverythingElse) {
  for (const char* bad : {
           "",
           "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // version
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // version ff
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",    // zero trace id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",    // zero parent id
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",    // upper case
           "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",     // short trace id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",     // short flags
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",  // trailing data
           "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",    // separators
           "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",    // not hex
       }) {
    EXPECT_EQ(parse_traceparent(bad), std::nullopt) << bad;
  }
  HttpRequest r;
  auto fields = begin_request(r, "", "00-00000000000000000000000000000000-00f067aa0ba902b7-01");
  EXPECT_EQ(r.trace_id, "");
}

TEST(RouteTemplate, NamesEveryRouteWithoutItsIds) {
  EXPECT_EQ(route_template("/healthz"), "/healthz");
  EXPECT_EQ(route_template("/metrics"), "/metrics");
  EXPECT_EQ(route_template("/employees/e-1/skill_events?language=en"),
            "/employees/{employee_external_id}/skill_events");
  EXPECT_EQ(route_template("/employees/e-1/skill_events/x-1"),
            "/employees/{employee_external_id}/skill_events/{external_id}");
  EXPECT_EQ(route_template("/integrations/file-load-tasks?status=failed"),
            "/integrations/file-load-tasks");
  EXPECT_EQ(route_template("/integrations/file-load-tasks/flt_1"),
            "/integrations/file-load-tasks/{task_id}");
  EXPECT_EQ(route_template("/integrations/file-load-tasks/flt_1/cancel"),
            "/integrations/file-load-tasks/{task_id}/cancel");
  EXPECT_EQ(route_template("/integrations/file-load-tasks/flt_1/errors"),
            "/integrations/file-load-tasks/{task_id}/errors");
  EXPECT_EQ(route_template("/secret-token-in-a-path"), "unmatched");
  EXPECT_EQ(route_template("/integrations/file-load-tasks/flt_1/other"), "unmatched");
  EXPECT_EQ(method_label("GET"), "GET");
  EXPECT_EQ(method_label("BREW"), "other");
}

TEST(RequestLog, TheResponseCarriesTheRequestId) {
  HttpRequest r;
  r.method = "GET";
  r.target = "/healthz";
  auto fields = begin_request(r, "rid-1", "");
  HttpResponse resp;
  finish_request(r, resp, 0.002);
  ASSERT_EQ(resp.headers.size(), 1u);
  EXPECT_EQ(resp.headers[0].first, "X-Request-Id");
  EXPECT_EQ(resp.headers[0].second, "rid-1");
}

TEST(JsonLog, ALineIsOneValidObjectWithItsFields) {
  const std::string line =
      log::json_line("2026-01-01T00:00:00.000Z", "info", "a \"quoted\"\nline \x01 \xff",
                     {{"request_id", "r1"}, {"status", "200", true}, {"request_id", "r2"}});
  EXPECT_EQ(line.find('\n'), std::string::npos);
  boost::system::error_code ec;
  auto v = boost::json::parse(line, ec);
  ASSERT_FALSE(ec) << line;
  const auto& o = v.as_object();
  EXPECT_EQ(o.at("time").as_string(), "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(o.at("level").as_string(), "info");
  EXPECT_EQ(o.at("message").as_string(), "a \"quoted\"\nline \x01 \xef\xbf\xbd");
  EXPECT_EQ(o.at("status").as_int64(), 200);
  EXPECT_EQ(o.at("request_id").as_string(), "r2") << "the innermost field wins";
  EXPECT_EQ(o.size(), 5u);
}

}  // namespace
}  // namespace skillsync::api
