// The web console: static files (HTML, CSS, JavaScript modules) built into the
// binary and served under /console/ without authentication. They hold no data:
// the page asks the authenticated API for everything it shows.
//
// Contracts:
//   GET /console          -> 308 to /console/
//   GET /console/         -> index.html
//   GET /console/<name>   -> that asset, or 404 (JSON error) for an unknown name
//   any other method      -> 405
// Every answer carries the console's security headers: a strict
// Content-Security-Policy (scripts, styles and connections from this origin
// only; no inline script or eval; no framing), X-Content-Type-Options: nosniff,
// Referrer-Policy: no-referrer, and Cache-Control: no-cache.
#pragma once

#include <span>
#include <string_view>

#include "api/api.hpp"

namespace skillsync::api {

struct ConsoleAsset {
  std::string_view name;          // "app.js"
  std::string_view content_type;  // "text/javascript; charset=utf-8"
  std::string_view body;
};

// The embedded files (generated from src/api/console/assets/ at build time).
std::span<const ConsoleAsset> console_assets();

// True for "/console" and every path below "/console/".
bool is_console_path(std::string_view path);

// REQUIRES: is_console_path(path). `path` is the request's path without its
// query string, as received (percent-encoded).
HttpResponse console_response(std::string_view method, std::string_view path);

}  // namespace skillsync::api
