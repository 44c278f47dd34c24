#include "api/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace skillsync::api {

int RateLimiter::acquire(const std::string& key_id) {
  if (rate_ <= 0) return 0;
  const Micros now = clock_.now();
  std::lock_guard lock(mu_);
  auto [it, inserted] = buckets_.try_emplace(key_id, Bucket{burst_, now});
  Bucket& b = it->second;
  if (!inserted) {
    double elapsed = static_cast<double>(std::max<Micros>(0, now - b.updated)) / 1e6;
    b.tokens = std::min(burst_, b.tokens + elapsed * rate_);
    b.updated = now;
  }
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return 0;
  }
  return std::max(1, static_cast<int>(std::ceil((1 - b.tokens) / rate_)));
}

}  // namespace skillsync::api
