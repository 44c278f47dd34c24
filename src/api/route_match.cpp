// Matching a request's method and path against the route table
// (routes.cpp): a literal segment matches itself, a {parameter} segment any
// one segment; the first route whose path and method match wins.
#include "api/routes.hpp"

namespace skillsync::api {

namespace {

// Whether the path template `path` matches `segments`: literal segments
// compare equal, a {parameter} segment matches any one segment.
template <typename Segment>
bool path_matches(std::string_view path, std::span<const Segment> segments) {
  size_t i = 0;
  path.remove_prefix(1);  // the leading '/'
  while (true) {
    const size_t slash = path.find('/');
    const std::string_view part = path.substr(0, slash);
    if (i >= segments.size()) return false;
    const bool param = part.size() >= 2 && part.front() == '{' && part.back() == '}';
    if (!param && part != segments[i]) return false;
    ++i;
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return i == segments.size();
}

}  // namespace

std::string_view route_path(std::span<const std::string_view> segments) {
  for (const Route& r : routes()) {
    if (path_matches(r.path, segments)) return r.path;
  }
  return "unmatched";
}

RouteMatch match_route(std::string_view method, std::span<const std::string> segments) {
  RouteMatch m;
  for (const Route& r : routes()) {
    if (!path_matches(r.path, segments)) continue;
    m.path_known = true;
    if (r.method == method) {
      m.route = &r;
      return m;
    }
  }
  return m;
}

}  // namespace skillsync::api
