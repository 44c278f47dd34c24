// Request ids, trace context, route templates and the per-request log line
// and metrics (see request_context.hpp).
#include "api/request_context.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <vector>

#include "api/routes.hpp"
#include "common/crypto.hpp"
#include "metrics/skillsync_metrics.hpp"

namespace skillsync::api {
namespace {

bool is_lower_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool all_zeros(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == '0'; });
}

std::vector<std::string_view> path_segments(std::string_view target) {
  std::string_view path = target.substr(0, target.find('?'));
  std::vector<std::string_view> out;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    const size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash);
  }
  return out;
}

}  // namespace

bool is_valid_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

std::optional<std::string> parse_traceparent(std::string_view v) {
  // version "-" trace-id "-" parent-id "-" trace-flags, version 00: exactly 55 characters.
  if (v.size() != 55 || v[2] != '-' || v[35] != '-' || v[52] != '-') return std::nullopt;
  const std::string_view version = v.substr(0, 2), trace = v.substr(3, 32),
                         parent = v.substr(36, 16), flags = v.substr(53, 2);
  if (version != "00" || !is_lower_hex(trace) || !is_lower_hex(parent) || !is_lower_hex(flags)) {
    return std::nullopt;
  }
  if (all_zeros(trace) || all_zeros(parent)) return std::nullopt;
  return std::string(trace);
}

std::string_view route_template(std::string_view target) {
  const auto s = path_segments(target);
  // Every console path is one label (its files are a closed set, but the
  // paths asked for are not).
  if (!s.empty() && s[0] == "console") return "/console/{asset}";
  return route_path(s);
}

std::string_view method_label(std::string_view m) {
  for (std::string_view known : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
    if (m == known) return known;
  }
  return "other";
}

log::ScopedFields begin_request(HttpRequest& r, std::string_view x_request_id,
                                std::string_view traceparent) {
  r.request_id = is_valid_request_id(x_request_id) ? std::string(x_request_id)
                                                   : "req_" + crypto::hex(crypto::random_bytes(12));
  r.trace_id = parse_traceparent(traceparent).value_or("");
  if (r.trace_id.empty()) return log::ScopedFields{{"request_id", r.request_id}};
  return log::ScopedFields{{"request_id", r.request_id}, {"trace_id", r.trace_id}};
}

void finish_request(const HttpRequest& r, HttpResponse& resp, double seconds, bool log_line) {
  resp.headers.emplace_back("X-Request-Id", r.request_id);
  const std::string_view route = route_template(r.target);
  const std::string_view method = method_label(r.method);
  const std::string status = std::to_string(resp.status);
  auto& m = metrics::skillsync();
  m.http_requests.with({method, route, status}).inc();
  m.http_duration.with({method, route}).observe(seconds);
  if (!log_line) return;
  const double ms = seconds * 1000;
  char duration[32];
  std::snprintf(duration, sizeof duration, "%.1f", ms);
  log::ScopedFields fields{{"method", std::string(method)},
                           {"route", std::string(route)},
                           {"status", status, true},
                           {"duration_ms", duration, true}};
  const std::string_view target = r.target;
  spdlog::info("{} {} {} {}ms", r.method, target.substr(0, target.find('?')), resp.status,
               duration);
}

}  // namespace skillsync::api
