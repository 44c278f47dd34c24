// AuthThrottle: makes guessing API keys slow. Counts failed authentications
// (a 401 to a request that carried an Authorization header) per client
// address in a fixed window; once an address has `max_failures` in its
// window, its requests that carry an Authorization header are refused (429,
// Retry-After: the rest of the window) without looking at the key.
//
// Logging is aggregate, never one line per attempt: the first failure of a
// window, the moment an address is throttled, and a summary of the window
// (failures and refused requests) when the address comes back after it.
//
// Thread-safe. Memory is bounded: windows that have ended are swept once
// the table holds more than kSweepAbove addresses.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace skillsync::api {

class AuthThrottle {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr size_t kSweepAbove = 10000;

  // max_failures == 0 turns throttling off (failures are still logged).
  AuthThrottle(size_t max_failures, std::chrono::seconds window)
      : max_failures_(max_failures), window_(window) {}

  // Seconds the address must wait (>= 1) while it is throttled, else 0.
  // A refused request is counted for the window's summary.
  int refuse_for(const std::string& addr, Clock::time_point now);
  // Records one failed authentication of `addr`.
  void record_failure(const std::string& addr, Clock::time_point now);

 private:
  struct Entry {
    Clock::time_point start;
    size_t failures = 0;
    size_t refused = 0;
  };
  // The address's entry, its window restarted (and summarised) when over.
  Entry& current(const std::string& addr, Clock::time_point now);
  void sweep(Clock::time_point now);

  const size_t max_failures_;
  const std::chrono::seconds window_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace skillsync::api
