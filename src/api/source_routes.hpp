// The recurring source endpoints: /integrations/sources[/...] (see
// sources/source_service.hpp). Internal to src/api.
//
// A source as returned never holds its credentials. Validation errors are
// 422 invalid_fields with one detail per field, as for a task's POST.
#pragma once

#include "api/api_internal.hpp"

namespace skillsync::sources {
class SourceService;
}

namespace skillsync::api::internal {

class SourceRoutes {
 public:
  // `service` may be null (an Api built without sources, as in unit tests):
  // every source route then answers 503 (`serve` always sets one).
  explicit SourceRoutes(sources::SourceService* service) : service_(service) {}
  void set_service(sources::SourceService* service) { service_ = service; }
  // REQUIRES: `id` is a source route matched by match_route().
  // Each handler is a function of source_routes.cpp over the service.
  HttpResponse route(RouteId id, const Request& r);

 private:
  sources::SourceService* service_;
};

}  // namespace skillsync::api::internal
