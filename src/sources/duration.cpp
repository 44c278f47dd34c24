// sources/duration: parsing and printing `schedule.every` (see duration.hpp).
#include "sources/duration.hpp"

namespace skillsync::sources {
namespace {

Error invalid(std::string_view text, std::string_view why) {
  return Error{"invalid_duration", "'" + std::string(text.substr(0, 40)) +
                                       "' is not a valid duration: " + std::string(why) +
                                       " (e.g. \"30s\", \"15m\", \"6h\", \"1d\")"};
}

int64_t unit_seconds(char u) {
  switch (u) {
    case 's':
      return 1;
    case 'm':
      return 60;
    case 'h':
      return 3600;
    case 'd':
      return 86400;
    default:
      return 0;
  }
}

}  // namespace

Result<int64_t> parse_every(std::string_view text) {
  if (text.empty()) return invalid(text, "empty");
  int64_t total = 0;
  size_t i = 0;
  while (i < text.size()) {
    int64_t n = 0;
    const size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      n = n * 10 + (text[i] - '0');
      if (n > kMaxEverySeconds) return invalid(text, "longer than 31 days");
      ++i;
    }
    if (i == start) return invalid(text, "a number must come before each unit");
    if (i == text.size()) return invalid(text, "a unit (s, m, h or d) must follow each number");
    const int64_t unit = unit_seconds(text[i++]);
    if (unit == 0) return invalid(text, "the unit must be s, m, h or d");
    total += n * unit;
    if (total > kMaxEverySeconds) return invalid(text, "longer than 31 days");
  }
  if (total < kMinEverySeconds) return invalid(text, "shorter than 10 seconds");
  return total;
}

std::string format_every(int64_t seconds) {
  std::string out;
  const std::pair<int64_t, char> units[] = {{86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}};
  for (const auto& [size, name] : units) {
    if (seconds >= size) {
      out += std::to_string(seconds / size) + name;
      seconds %= size;
    }
  }
  return out.empty() ? "0s" : out;
}

}  // namespace skillsync::sources
