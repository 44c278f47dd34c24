// sources/duration: the `schedule.every` of a source ("30s", "15m", "6h",
// "1d", or a sum such as "1h30m").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace skillsync::sources {

inline constexpr int64_t kMinEverySeconds = 10;
inline constexpr int64_t kMaxEverySeconds = 31 * 24 * 3600;

// Seconds of a duration made of <digits><unit> parts, unit s, m, h or d.
// Fails with "invalid_duration" (bad form, or outside 10 s .. 31 days).
Result<int64_t> parse_every(std::string_view text);
// The shortest form parse_every reads back: 90 -> "1m30s", 3600 -> "1h".
std::string format_every(int64_t seconds);

}  // namespace skillsync::sources
