// Serves the web console's embedded files under /console/ (see
// console_handler.hpp for the routes and the headers on every answer).
#include "api/console_handler.hpp"

#include <algorithm>
#include <string>

#include "api/json_util.hpp"

namespace skillsync::api {
namespace {

constexpr std::string_view kPrefix = "/console";

// Everything from this origin only; no inline script or style, no eval, no
// plugins, no framing, forms post nowhere (the page sends JSON with fetch).
// Trusted Types with no policy: assigning a string to innerHTML (or any other
// HTML or script sink) throws, so the page can only insert text.
constexpr std::string_view kCsp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'; require-trusted-types-for 'script'; "
    "trusted-types 'none'";

HttpResponse with_headers(HttpResponse r) {
  r.headers.emplace_back("Content-Security-Policy", std::string(kCsp));
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  // Assets change with the binary: revalidate on every load.
  r.headers.emplace_back("Cache-Control", "no-cache");
  return r;
}

HttpResponse json_error(int status, std::string_view code, std::string_view message) {
  return with_headers(HttpResponse{status, "application/json", error_body(code, message), {}});
}

}  // namespace

bool is_console_path(std::string_view path) {
  if (!path.starts_with(kPrefix)) return false;
  return path.size() == kPrefix.size() || path[kPrefix.size()] == '/';
}

HttpResponse console_response(std::string_view method, std::string_view path) {
  if (method != "GET") {
    HttpResponse r = json_error(405, "method_not_allowed", "the console's files are read with GET");
    r.headers.emplace_back("Allow", "GET");
    return r;
  }
  if (path == kPrefix) {
    HttpResponse r{308, "text/plain; charset=utf-8", "", {}};
    r.headers.emplace_back("Location", "/console/");
    return with_headers(std::move(r));
  }
  std::string_view name = path.substr(kPrefix.size() + 1);
  if (name.empty()) name = "index.html";
  auto assets = console_assets();
  auto it = std::find_if(assets.begin(), assets.end(),
                         [&](const ConsoleAsset& a) { return a.name == name; });
  if (it == assets.end())
    return json_error(404, errc_name(Errc::kNotFound), "no such console file");
  return with_headers(HttpResponse{200, std::string(it->content_type), std::string(it->body), {}});
}

}  // namespace skillsync::api
