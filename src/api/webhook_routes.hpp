// webhook_routes: the webhook endpoints of the API (tenant-scoped; GET needs
// the `read` scope, every other method `write`):
//   POST   /integrations/webhooks                      register (-> 201, healthcheck sent)
//   GET    /integrations/webhooks?limit=&cursor=       list {"items","next_cursor"}
//   GET    /integrations/webhooks/{webhook_id}
//   PATCH  /integrations/webhooks/{webhook_id}         url, event_types, enabled, description
//   DELETE /integrations/webhooks/{webhook_id}
//   POST   /integrations/webhooks/{webhook_id}/rotate-key
//   POST   /integrations/webhooks/{webhook_id}/test    (healthcheck.v1 now)
//   GET    /integrations/webhooks/{webhook_id}/deliveries?limit=&cursor=
//   POST   /integrations/webhooks/{webhook_id}/deliveries/{event_id}/redeliver
// URLs pass the SSRF guard (notify/egress.hpp) at registration and on PATCH;
// signing keys are generated here, sealed with the master key, and only
// their public halves are ever returned.
#pragma once

#include <functional>
#include <memory>

#include "common/time.hpp"
#include "notify/egress.hpp"
#include "notify/signing.hpp"

namespace skillsync::api {

struct WebhookSettings {
  notify::EgressPolicy policy;
  notify::Resolver resolve = notify::system_resolver();
  notify::SealingKeys keys;
  // Wakes this process's dispatcher after an event is enqueued (may be empty).
  std::function<void()> wake;
  // How long the previous key keeps signing after a rotation.
  Micros rotation_window = Micros{24} * 3600 * 1'000'000;
};

}  // namespace skillsync::api
