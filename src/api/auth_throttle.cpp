// AuthThrottle: see auth_throttle.hpp.
#include "api/auth_throttle.hpp"

#include <spdlog/spdlog.h>

namespace skillsync::api {

AuthThrottle::Entry& AuthThrottle::current(const std::string& addr, Clock::time_point now) {
  auto [it, inserted] = entries_.try_emplace(addr, Entry{now, 0, 0});
  Entry& e = it->second;
  if (!inserted && now - e.start >= window_) {
    if (e.failures > 1 || e.refused > 0) {
      spdlog::warn("{} failed authentications from {} in {} s ({} requests refused)", e.failures,
                   addr, window_.count(), e.refused);
    }
    e = Entry{now, 0, 0};
  }
  return e;
}

void AuthThrottle::sweep(Clock::time_point now) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (now - it->second.start >= window_) {
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
}

int AuthThrottle::refuse_for(const std::string& addr, Clock::time_point now) {
  if (max_failures_ == 0) return 0;
  std::lock_guard lock(mu_);
  auto it = entries_.find(addr);
  if (it == entries_.end()) return 0;
  Entry& e = current(addr, now);
  if (e.failures < max_failures_) return 0;
  ++e.refused;
  auto left = std::chrono::ceil<std::chrono::seconds>(e.start + window_ - now).count();
  return static_cast<int>(std::max<int64_t>(left, 1));
}

void AuthThrottle::record_failure(const std::string& addr, Clock::time_point now) {
  std::lock_guard lock(mu_);
  if (entries_.size() > kSweepAbove) sweep(now);
  Entry& e = current(addr, now);
  ++e.failures;
  if (e.failures == 1) {
    spdlog::warn("failed authentication from {} (further ones are counted, logged per {} s)", addr,
                 window_.count());
  } else if (max_failures_ > 0 && e.failures == max_failures_) {
    spdlog::warn(
        "{} failed authentications from {} within {} s: its requests with a key are refused "
        "until the window ends",
        e.failures, addr, window_.count());
  }
}

}  // namespace skillsync::api
