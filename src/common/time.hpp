// Time as int64 microseconds since the Unix epoch (UTC), and its RFC 3339
// text form. A Clock is injected wherever "now" matters, so tests can fix it.
#pragma once

#include <cstdint>
#include <string>

namespace skillsync {

using Micros = int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Micros now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Micros now() const override;
  static const SystemClock& instance();
};

// "2021-01-01T00:00:00Z"; fractional seconds only when non-zero, trailing
// zeros trimmed ("2021-01-01T00:00:00.25Z").
std::string format_rfc3339(Micros t);
void append_rfc3339(std::string& out, Micros t);

// Days since 1970-01-01 of a proleptic Gregorian civil date (Howard Hinnant's
// algorithm); exact for every year of int range.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);

}  // namespace skillsync
