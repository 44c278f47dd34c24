// notify/delivery: one delivery attempt of an outbox event, and the retry
// policy.
//
// Retried: 408, 429, 500, 502, 503, 504, timeouts and connection failures
// (and TLS/send failures). Any other answer ends the event: 2xx delivered,
// the rest dead. The delay before attempt n+1 is the response's Retry-After
// (seconds or an HTTP date; capped at one hour) when present, else
// exponential backoff 2^(n-1) s (capped at one hour) with full jitter in
// [50%, 100%]. After `max_attempts` attempts of a round the event is dead
// (redeliver starts a new round).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/time.hpp"
#include "notify/egress.hpp"
#include "notify/signing.hpp"
#include "notify/transport.hpp"
#include "store/webhooks.hpp"

namespace skillsync::notify {

bool is_retryable_status(int status);
bool is_retryable_failure(const Error& e);
// The delay a Retry-After value asks for, relative to `now`; nullopt when
// it is neither delta-seconds nor an HTTP date.
std::optional<Micros> parse_retry_after(std::string_view value, Micros now);
// REQUIRES: attempt >= 1 (the attempt that just failed); jitter in [0, 1].
Micros backoff_delay(int attempt, std::optional<Micros> retry_after, double jitter);

struct DeliveryConfig {
  std::string public_url;  // no trailing slash
  std::string user_agent;  // "skillsync-webhooks/<version>"
  int max_attempts = 8;
  Micros timeout = 15'000'000;
};

struct DeliveryResult {
  store::DeliveryAttempt attempt;
  store::AttemptOutcome outcome = store::AttemptOutcome::kRetry;
};

class Deliverer {
 public:
  // All references outlive the Deliverer. `jitter` returns values in [0, 1].
  Deliverer(DeliveryConfig config, const EgressPolicy& policy, Resolver resolve,
            Transport& transport, const SealingKeys& keys, const Clock& clock,
            std::function<double()> jitter);

  // Signs and posts `event` to `endpoint`, and says what happens next. An
  // endpoint that is disabled, gone, or now refused by the SSRF guard gives
  // an attempt with an error and no request.
  DeliveryResult deliver(const store::OutboxEvent& event,
                         const std::optional<store::WebhookEndpoint>& endpoint);

 private:
  Result<HttpRequest> build(const store::OutboxEvent& event, const store::WebhookEndpoint& endpoint,
                            Micros now);
  DeliveryResult finish(const store::OutboxEvent& event, DeliveryResult r, bool retryable,
                        std::optional<Micros> retry_after);

  DeliveryConfig config_;
  const EgressPolicy& policy_;
  Resolver resolve_;
  Transport& transport_;
  const SealingKeys& keys_;
  const Clock& clock_;
  std::function<double()> jitter_;
};

}  // namespace skillsync::notify
