// sources/scheduler: running due source checks under a lease (see the header).
#include "sources/scheduler.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include "common/crypto.hpp"

namespace skillsync::sources {

SourceScheduler::SourceScheduler(store::Store& store, SourceChecker& checker, const Clock& clock,
                                 SchedulerConfig config)
    : store_(store), checker_(checker), clock_(clock), config_(std::move(config)) {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  owner_ = std::string(host) + "-" + std::to_string(::getpid()) + "-sources-" +
           crypto::hex(crypto::random_bytes(4));
}

SourceScheduler::~SourceScheduler() { stop(); }

void SourceScheduler::start() {
  thread_ = std::thread([this] { loop(); });
}

void SourceScheduler::wake() {
  {
    std::lock_guard lock(mu_);
    ++wakeups_;
  }
  cv_.notify_all();
}

void SourceScheduler::stop() {
  stop_.cancel();
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

size_t SourceScheduler::run_due() {
  size_t ran = 0;
  while (!stop_.cancelled()) {
    const Micros now = clock_.now();
    auto claimed = store_.claim_due_source(owner_, now, config_.lease_duration);
    if (!claimed.ok()) {
      spdlog::warn("sources: cannot claim a due source: {}", claimed.error().message);
      return ran;
    }
    if (!claimed->has_value()) return ran;
    const store::Source& source = **claimed;
    CheckOutcome out = checker_.check(source);
    ++ran;
    if (out.transient_error) {
      spdlog::warn("source {}: check failed, retried at the next check: {}", source.id,
                   *out.transient_error);
    }
    const Micros done = clock_.now();
    store::SourceCheckResult result{done, done + source.schedule_seconds * 1'000'000, out.error};
    if (auto st = store_.finish_source_check(source.id, owner_, result); !st.ok()) {
      spdlog::warn("source {}: cannot record its check: {}", source.id, st.error().message);
      continue;
    }
    spdlog::info("source {} checked: {} objects listed, {} tasks created, {} skipped", source.id,
                 out.listed, out.tasks_created, out.skipped);
    if (out.tasks_created > 0 && config_.on_tasks_created) config_.on_tasks_created();
    if (out.error) {
      spdlog::warn("source {} is now in error: {}", source.id, *out.error);
      if (config_.on_source_error) config_.on_source_error(source, *out.error);
    }
  }
  return ran;
}

void SourceScheduler::loop() {
  uint64_t seen = 0;
  while (!stop_.cancelled()) {
    {
      std::lock_guard lock(mu_);
      seen = wakeups_;
    }
    run_due();
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, config_.poll, [&] { return stop_.cancelled() || wakeups_ != seen; });
  }
}

}  // namespace skillsync::sources
