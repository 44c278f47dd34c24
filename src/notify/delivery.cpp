// One webhook delivery attempt and the retry policy (delivery.hpp).
#include "notify/delivery.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "notify/events.hpp"

namespace skillsync::notify {
namespace {

constexpr Micros kSecond = 1'000'000;
constexpr Micros kMaxDelay = 3600 * kSecond;

}  // namespace

bool is_retryable_status(int s) {
  return s == 408 || s == 429 || s == 500 || s == 502 || s == 503 || s == 504;
}

bool is_retryable_failure(const Error& e) {
  return e.is(Errc::kTimeout) || e.is(Errc::kConnectFailed) || e.is(Errc::kTlsFailed) ||
         e.is(Errc::kSendFailed) || e.is(Errc::kResolveFailed);
}

std::optional<Micros> parse_retry_after(std::string_view value, Micros now) {
  if (value.empty()) return std::nullopt;
  int64_t seconds = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec == std::errc() && end == value.data() + value.size() && seconds >= 0) {
    return std::min(seconds, int64_t{3600}) * kSecond;
  }
  const time_t at = curl_getdate(std::string(value).c_str(), nullptr);
  if (at < 0) return std::nullopt;
  return std::clamp(Micros{at} * kSecond - now, Micros{0}, kMaxDelay);
}

Micros backoff_delay(int attempt, std::optional<Micros> retry_after, double jitter) {
  if (retry_after) return std::min(*retry_after, kMaxDelay);
  const int shift = std::clamp(attempt - 1, 0, 12);
  const Micros base = std::min(kSecond << shift, kMaxDelay);
  const double factor = 0.5 + 0.5 * std::clamp(jitter, 0.0, 1.0);
  return static_cast<Micros>(static_cast<double>(base) * factor);
}

Deliverer::Deliverer(DeliveryConfig config, const EgressPolicy& policy, Resolver resolve,
                     Transport& transport, const SealingKeys& keys, const Clock& clock,
                     std::function<double()> jitter)
    : config_(std::move(config)),
      policy_(policy),
      resolve_(std::move(resolve)),
      transport_(transport),
      keys_(keys),
      clock_(clock),
      jitter_(std::move(jitter)) {}

Result<HttpRequest> Deliverer::build(const store::OutboxEvent& event,
                                     const store::WebhookEndpoint& endpoint, Micros now) {
  SKILLSYNC_ASSIGN_OR_RETURN(auto target, policy_.parse(endpoint.url));
  SKILLSYNC_ASSIGN_OR_RETURN(auto addresses, vet_addresses(target, resolve_));
  SKILLSYNC_ASSIGN_OR_RETURN(auto body, cloudevent_body(event, config_.public_url));
  std::vector<SecretString> seeds;
  SKILLSYNC_ASSIGN_OR_RETURN(auto current,
                             open_private_key(keys_, endpoint.id, endpoint.sealed_key));
  seeds.push_back(std::move(current));
  if (!endpoint.previous_sealed_key.empty() && endpoint.previous_key_expires_at &&
      *endpoint.previous_key_expires_at > now) {
    SKILLSYNC_ASSIGN_OR_RETURN(auto previous,
                               open_private_key(keys_, endpoint.id, endpoint.previous_sealed_key));
    seeds.push_back(std::move(previous));
  }
  const std::string timestamp = std::to_string(now / kSecond);
  SKILLSYNC_ASSIGN_OR_RETURN(
      auto signatures,
      signature_header(seeds, signed_message(timestamp, event.tenant, event.event_id, body)));
  HttpRequest req;
  req.url = endpoint.url;
  req.host = target.host;
  req.port = target.port;
  req.addresses = std::move(addresses);
  req.timeout = config_.timeout;
  req.headers = {{"Content-Type", "application/json"}, {"User-Agent", config_.user_agent},
                 {"X-Event-Id", event.event_id},       {"X-Tenant", event.tenant},
                 {"X-Signature-Timestamp", timestamp}, {"X-Signature-V1", signatures}};
  req.body = std::move(body);
  return req;
}

DeliveryResult Deliverer::deliver(const store::OutboxEvent& event,
                                  const std::optional<store::WebhookEndpoint>& endpoint) {
  const Micros start = clock_.now();
  DeliveryResult r;
  r.attempt.event_id = event.event_id;
  r.attempt.endpoint_id = event.endpoint_id;
  r.attempt.at = start;
  if (!endpoint || !endpoint->enabled) {
    r.attempt.error = endpoint ? "endpoint_disabled" : "endpoint_gone";
    r.outcome = store::AttemptOutcome::kDead;
    return r;
  }
  auto req = build(event, *endpoint, start);
  if (!req.ok()) {
    r.attempt.error = req.error().code;
    return finish(event, std::move(r), is_retryable_failure(req.error()), std::nullopt);
  }
  auto resp = transport_.post(*req);
  r.attempt.latency_ms = (clock_.now() - start) / 1000;
  if (!resp.ok()) {
    r.attempt.error = resp.error().code;
    return finish(event, std::move(r), is_retryable_failure(resp.error()), std::nullopt);
  }
  r.attempt.status_code = resp->status;
  if (resp->status >= 200 && resp->status < 300) {
    r.outcome = store::AttemptOutcome::kDelivered;
    return r;
  }
  return finish(event, std::move(r), is_retryable_status(resp->status),
                parse_retry_after(resp->retry_after, clock_.now()));
}

DeliveryResult Deliverer::finish(const store::OutboxEvent& event, DeliveryResult r, bool retryable,
                                 std::optional<Micros> retry_after) {
  const int attempt = event.round_attempts + 1;
  if (!retryable || attempt >= config_.max_attempts) {
    r.outcome = store::AttemptOutcome::kDead;
    return r;
  }
  r.outcome = store::AttemptOutcome::kRetry;
  r.attempt.next_retry_at = clock_.now() + backoff_delay(attempt, retry_after, jitter_());
  return r;
}

}  // namespace skillsync::notify
