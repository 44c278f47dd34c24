// RateLimiter: a token bucket per API key. Each request takes one token;
// tokens refill at `rate_per_second` up to `burst`. A request that finds the
// bucket empty is refused with how long until a token is back (Retry-After).
#pragma once

#include <mutex>
#include <string>
#include <unordered_map>

#include "common/time.hpp"

namespace skillsync::api {

class RateLimiter {
 public:
  // rate_per_second <= 0 disables limiting.
  RateLimiter(double rate_per_second, double burst, const Clock& clock)
      : rate_(rate_per_second), burst_(burst < 1 ? 1 : burst), clock_(clock) {}

  // Returns 0 when the request may go ahead, else the whole seconds (>= 1)
  // to wait before retrying.
  int acquire(const std::string& key_id);

 private:
  struct Bucket {
    double tokens;
    Micros updated;
  };
  double rate_;
  double burst_;
  const Clock& clock_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace skillsync::api
