// api/request_context: what every HTTP request carries besides its handler's
// work: a request id, an optional W3C trace id, its route template, and the
// one log line and metrics of its answer.
//
//   begin_request  sets HttpRequest::request_id (the client's X-Request-Id
//                  when valid: 1-128 characters of [A-Za-z0-9._-]; otherwise
//                  a generated one) and ::trace_id (from a `traceparent`
//                  header valid per W3C Trace Context: version 00, a 32-hex
//                  trace id and a 16-hex parent id, neither all zeros, 2-hex
//                  flags; anything else is ignored), and returns the log
//                  fields (request_id, trace_id) in scope while it is handled.
//   finish_request adds X-Request-Id to the response, counts it
//                  (skillsync_http_requests_total, ..._duration_seconds) and
//                  logs one line with method, route, status and duration_ms.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "api/api.hpp"
#include "common/log.hpp"

namespace skillsync::api {

bool is_valid_request_id(std::string_view id);
// The trace id (32 lower-case hex digits) of a valid traceparent value.
std::optional<std::string> parse_traceparent(std::string_view value);
// The route template of a request path, such as
// "/integrations/file-load-tasks/{task_id}": a closed set (a metrics label),
// "unmatched" for a path no route has.
std::string_view route_template(std::string_view target);
// The method as a metrics label: a standard method, or "other".
std::string_view method_label(std::string_view method);

[[nodiscard]] log::ScopedFields begin_request(HttpRequest& r, std::string_view x_request_id,
                                              std::string_view traceparent);
// `log_line` false: counted and answered with its id, but not logged (for
// requests that are logged in aggregate elsewhere).
void finish_request(const HttpRequest& r, HttpResponse& resp, double seconds, bool log_line = true);

}  // namespace skillsync::api
