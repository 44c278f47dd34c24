// The outbox delivery loop (dispatcher.hpp).
#include "notify/dispatcher.hpp"

#include <chrono>

#include "common/log.hpp"

namespace skillsync::notify {

Dispatcher::Dispatcher(store::WebhookStore& store, Deliverer& deliverer, const Clock& clock,
                       DispatcherConfig config)
    : store_(store), deliverer_(deliverer), clock_(clock), config_(std::move(config)) {}

Dispatcher::~Dispatcher() { stop(); }

void Dispatcher::start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { loop(); });
}

void Dispatcher::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Dispatcher::wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

size_t Dispatcher::run_once() {
  auto due = store_.claim_due(config_.owner, clock_.now(), config_.lease, config_.batch);
  if (!due.ok()) {
    spdlog::warn("webhook outbox claim failed: {}", due.error().message);
    return 0;
  }
  for (const auto& event : *due) {
    auto endpoint = store_.get_endpoint(event.tenant, event.endpoint_id);
    if (!endpoint.ok()) {
      spdlog::warn("webhook endpoint read failed: {}", endpoint.error().message);
      continue;  // the lease runs out and the event is claimed again
    }
    DeliveryResult r = deliverer_.deliver(event, *endpoint);
    if (auto st = store_.record_attempt(r.attempt, config_.owner, r.outcome); !st.ok()) {
      spdlog::warn("webhook attempt of {} not recorded: {}", event.event_id, st.error().message);
    }
  }
  return due->size();
}

void Dispatcher::loop() {
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    const size_t n = run_once();
    if (n == config_.batch) continue;  // more may be due
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::microseconds(config_.poll),
                 [this] { return stopping_ || woken_; });
    woken_ = false;
  }
}

}  // namespace skillsync::notify
