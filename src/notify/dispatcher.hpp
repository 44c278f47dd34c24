// notify/dispatcher: the loop that delivers the webhook outbox, run by the
// processes that run tasks (`serve` with workers, and `worker`).
//
// It claims due events under a lease (WebhookStore::claim_due: once per
// event across processes), delivers each (Deliverer), records the attempt
// and its outcome (record_attempt), then polls again. stop() (SIGTERM)
// ends the loop after the attempt in flight; an event whose attempt was
// cut short is retried when its lease runs out.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "notify/delivery.hpp"
#include "store/webhooks.hpp"

namespace skillsync::notify {

struct DispatcherConfig {
  std::string owner;          // unique per process (host, pid, random)
  Micros lease = 60'000'000;  // > the delivery timeout
  Micros poll = 500'000;      // how often to look for due events
  size_t batch = 16;
};

class Dispatcher {
 public:
  // `store` and `deliverer` outlive the Dispatcher.
  Dispatcher(store::WebhookStore& store, Deliverer& deliverer, const Clock& clock,
             DispatcherConfig config);
  ~Dispatcher();  // stops and joins
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  void start();
  void stop();
  // One claim-and-deliver pass; returns how many events it attempted.
  size_t run_once();
  // Wakes the loop now (e.g. after enqueueing a test event).
  void wake();

 private:
  void loop();

  store::WebhookStore& store_;
  Deliverer& deliverer_;
  const Clock& clock_;
  DispatcherConfig config_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool woken_ = false;
  std::thread thread_;
};

}  // namespace skillsync::notify
