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
  HttpResponse route(RouteId id, const Request& r);

 private:
  HttpResponse create(const Request& r);
  HttpResponse list(const Request& r);
  HttpResponse get(const Request& r);
  HttpResponse patch(const Request& r);
  HttpResponse remove(const Request& r);
  HttpResponse action(RouteId id, const Request& r);
  HttpResponse files(const Request& r);

  sources::SourceService* service_;
};

}  // namespace skillsync::api::internal
