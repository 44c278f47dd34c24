// The whole HTTP surface of a `skillsync worker`: a health check for its
// supervisor or load balancer, and nothing that needs a key.
#include <boost/json.hpp>

#include "api/api.hpp"
#include "api/api_internal.hpp"

namespace skillsync::api {

RequestHandler health_only_handler(std::function<bool()> healthy) {
  return [healthy = std::move(healthy)](const HttpRequest& r) -> HttpResponse {
    const std::string_view target = r.target;
    const std::string_view path = target.substr(0, target.find('?'));
    if (path != "/healthz") {
      return internal::error(404, Errc::kNotFound, "this process serves only GET /healthz");
    }
    if (r.method != "GET") return internal::method_not_allowed();
    if (!healthy()) {
      return internal::json_response(503, boost::json::object{{"status", "unavailable"}});
    }
    return internal::json_response(200, boost::json::object{{"status", "ok"}});
  };
}

}  // namespace skillsync::api
