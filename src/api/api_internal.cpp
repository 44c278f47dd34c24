// The helpers every route handler of the Api shares (declared in
// api_internal.hpp): the JSON and error answers, the body, `limit` and
// cursor checks, and the answer of a list endpoint.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>

#include "api/api_internal.hpp"
#include "api/json_util.hpp"

namespace skillsync::api {
namespace json = boost::json;

namespace {

constexpr size_t kDefaultLimit = 100;

bool is_json_content_type(std::string_view ct) {
  auto semi = ct.find(';');
  std::string_view base = ct.substr(0, semi);
  while (!base.empty() && base.back() == ' ') base.remove_suffix(1);
  return base.empty() || base == "application/json";
}

}  // namespace

namespace internal {

std::optional<std::string> Request::query(std::string_view name) const {
  auto it = url.params().find(name);
  if (it == url.params().end()) return std::nullopt;
  return std::string((*it).value);
}

HttpResponse json_response(int status, const json::value& v) {
  return HttpResponse{status, "application/json", json::serialize(v), {}};
}

HttpResponse error(int status, std::string_view code, std::string_view message,
                   const std::vector<schema::FieldError>& details) {
  return HttpResponse{status, "application/json", error_body(code, message, details), {}};
}

HttpResponse error(int status, Errc code, std::string_view message,
                   const std::vector<schema::FieldError>& details) {
  return error(status, errc_name(code), message, details);
}

HttpResponse store_failure(const Error& e) {
  spdlog::error("store error: {}: {}", e.code, e.message);
  return error(500, "internal", "internal error");
}

HttpResponse method_not_allowed() {
  return error(405, "method_not_allowed", "method not allowed on this endpoint");
}

// Parses a JSON request body, or returns the error response to send.
std::optional<HttpResponse> parse_body(const Request& r, json::value& out) {
  if (!is_json_content_type(r.http.content_type)) {
    return error(415, "unsupported_media_type", "the body must be application/json");
  }
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 32;
  out = json::parse(r.http.body, ec, {}, opts);
  if (ec) return error(400, "malformed_json", "the body is not valid JSON: " + ec.message());
  return std::nullopt;
}

std::optional<HttpResponse> parse_limit(const Request& r, size_t max, size_t* limit) {
  *limit = kDefaultLimit;
  auto l = r.query("limit");
  if (!l) return std::nullopt;
  size_t v = 0;
  auto [ptr, ec] = std::from_chars(l->data(), l->data() + l->size(), v);
  if (ec != std::errc() || ptr != l->data() + l->size() || v < 1 || v > max) {
    return error(
        422, Errc::kInvalidFields, "invalid query parameter",
        {{"limit", "invalid_limit", "limit must be an integer from 1 to " + std::to_string(max)}});
  }
  *limit = v;
  return std::nullopt;
}

HttpResponse invalid_cursor() {
  return error(422, Errc::kInvalidFields, "invalid query parameter",
               {{"cursor", "invalid_cursor", "cursor is not one this API returned"}});
}

void wipe(json::string& s) { std::fill(s.begin(), s.end(), '\0'); }

void wipe_credentials(json::value& body) {
  auto* creds = body.is_object() ? body.get_object().if_contains("credentials") : nullptr;
  if (creds == nullptr || !creds->is_object()) return;
  for (auto& kv : creds->get_object()) {
    if (kv.value().is_string()) wipe(kv.value().get_string());
  }
}

HttpResponse page_failure(const Error& e) {
  return e.is(Errc::kInvalidCursor) ? invalid_cursor() : store_failure(e);
}

HttpResponse page_response(json::array items, const std::optional<std::string>& next_cursor) {
  return json_response(
      200, json::object{{"items", std::move(items)}, {"next_cursor", text_or_null(next_cursor)}});
}

}  // namespace internal

}  // namespace skillsync::api
