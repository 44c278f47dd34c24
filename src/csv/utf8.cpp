#include "csv/utf8.hpp"

#include <cstdint>
#include <cstring>

namespace skillsync::csv {

namespace {

constexpr uint64_t kHighBits = 0x8080808080808080ULL;

bool is_continuation(unsigned char b) { return (b & 0xC0) == 0x80; }

// Length of the well-formed sequence starting at s[i] (a non-ASCII lead
// byte), or 0 if it is ill-formed.
size_t sequence_length(const unsigned char* s, size_t i, size_t n) {
  const unsigned char b0 = s[i];
  size_t len = 0;
  // The allowed range of the second byte depends on the lead byte; this is
  // what rules out overlong forms, surrogates and code points past U+10FFFF.
  unsigned char lo = 0x80, hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + len > n) return 0;
  if (s[i + 1] < lo || s[i + 1] > hi) return 0;
  for (size_t k = 2; k < len; ++k) {
    if (!is_continuation(s[i + k])) return 0;
  }
  return len;
}

}  // namespace

size_t find_invalid_utf8(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    // Fast path: skip whole words of ASCII.
    while (i + 8 <= n) {
      uint64_t word;
      std::memcpy(&word, s + i, 8);
      if (word & kHighBits) break;
      i += 8;
    }
    if (i >= n) break;
    if (s[i] < 0x80) {
      ++i;
      continue;
    }
    const size_t len = sequence_length(s, i, n);
    if (len == 0) return i;
    i += len;
  }
  return std::string_view::npos;
}

}  // namespace skillsync::csv
