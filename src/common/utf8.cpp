#include "common/utf8.hpp"

#include <cstdint>
#include <cstring>

namespace skillsync::utf8 {

namespace {

constexpr uint64_t kHighBits = 0x8080808080808080ULL;
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

bool is_continuation(unsigned char b) { return (b & 0xC0) == 0x80; }

// What a non-ASCII lead byte allows: the sequence length (0: the byte never
// starts a sequence) and the range of the second byte. That range is what
// rules out overlong forms, surrogates and code points past U+10FFFF.
struct Lead {
  size_t len = 0;
  unsigned char lo = 0x80, hi = 0xBF;
};

inline Lead lead_of(unsigned char b0) {
  Lead l;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    l.len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    l.len = 3;
    if (b0 == 0xE0) l.lo = 0xA0;
    if (b0 == 0xED) l.hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    l.len = 4;
    if (b0 == 0xF0) l.lo = 0x90;
    if (b0 == 0xF4) l.hi = 0x8F;
  }
  return l;
}

// Length of the well-formed sequence at s[i] (a non-ASCII lead byte), or 0.
// The hot path of find_invalid: no maximal-subpart bookkeeping.
inline size_t sequence_at(const unsigned char* s, size_t i, size_t n) {
  const Lead l = lead_of(s[i]);
  if (l.len == 0 || i + l.len > n) return 0;
  if (s[i + 1] < l.lo || s[i + 1] > l.hi) return 0;
  for (size_t k = 2; k < l.len; ++k) {
    if (!is_continuation(s[i + k])) return 0;
  }
  return l.len;
}

}  // namespace

size_t find_invalid(std::string_view text) {
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
    const size_t len = sequence_at(s, i, n);
    if (len == 0) return i;
    i += len;
  }
  return std::string_view::npos;
}

size_t sequence_length(std::string_view text, size_t* bad) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  if (s[0] < 0x80) return 1;
  const Lead l = lead_of(s[0]);
  size_t good = 0;  // bytes of the sequence that are right so far
  if (l.len > 0) {
    good = 1;
    while (good < l.len && good < text.size()) {
      const unsigned char b = s[good];
      const bool ok = good == 1 ? (b >= l.lo && b <= l.hi) : is_continuation(b);
      if (!ok) break;
      ++good;
    }
    if (good == l.len) return l.len;
  }
  // A byte that never starts a sequence is a subpart of its own; otherwise
  // the subpart is the lead byte and the continuations that fit it.
  if (bad != nullptr) *bad = good == 0 ? 1 : good;
  return 0;
}

void append_valid(std::string& out, std::string_view text) {
  while (!text.empty()) {
    const size_t valid = valid_prefix_length(text);
    out.append(text.data(), valid);
    text.remove_prefix(valid);
    if (text.empty()) break;
    size_t bad = 1;
    sequence_length(text, &bad);
    out += kReplacement;
    text.remove_prefix(bad);
  }
}

}  // namespace skillsync::utf8
