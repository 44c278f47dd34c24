#include "common/time.hpp"

#include <chrono>
#include <cstdio>

namespace skillsync {

Micros SystemClock::now() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

const SystemClock& SystemClock::instance() {
  static const SystemClock clock;
  return clock;
}

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

namespace {
struct Civil {
  int64_t y;
  unsigned m, d;
};
Civil civil_from_days(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2), m, d};
}
}  // namespace

void append_rfc3339(std::string& out, Micros t) {
  constexpr int64_t kPerDay = 86400LL * 1000000LL;
  int64_t days = t / kPerDay;
  int64_t rem = t % kPerDay;
  if (rem < 0) {
    rem += kPerDay;
    --days;
  }
  Civil c = civil_from_days(days);
  int64_t secs = rem / 1000000;
  int64_t frac = rem % 1000000;
  char buf[48];
  int n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld",
                        static_cast<long long>(c.y), c.m, c.d, static_cast<long long>(secs / 3600),
                        static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60));
  out.append(buf, static_cast<size_t>(n));
  if (frac != 0) {
    char f[8];
    std::snprintf(f, sizeof f, ".%06lld", static_cast<long long>(frac));
    std::string_view fs(f);
    while (fs.back() == '0') fs.remove_suffix(1);
    out.append(fs);
  }
  out.push_back('Z');
}

std::string format_rfc3339(Micros t) {
  std::string s;
  append_rfc3339(s, t);
  return s;
}

}  // namespace skillsync
