// csv/scanner: the RecordReader's fast skips over the bytes that the
// tokenizer's state ignores (internal; header-only so that the reader's hot
// loop inlines them).
//
// The fast loops skip bytes that leave the state unchanged and need no
// action, so the table is consulted about once per field, not once per byte.
// They test 8 bytes at a time for any byte that the state reacts to (SWAR:
// a byte equal to c becomes zero in w ^ splat(c), and zero_bytes() flags it;
// its false positives only sit above a real zero byte, so the lowest flag,
// the first byte in memory order on little-endian, is exact).
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "csv/tokenizer.hpp"

namespace skillsync::csv {

namespace swar {

inline constexpr uint64_t kOnes = 0x0101010101010101ULL;
inline constexpr uint64_t kHighBits = 0x8080808080808080ULL;
static_assert(std::endian::native == std::endian::little);

inline uint64_t splat(char c) { return kOnes * static_cast<uint8_t>(c); }
inline uint64_t zero_bytes(uint64_t v) { return (v - kOnes) & ~v & kHighBits; }
inline uint64_t load(const char* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

}  // namespace swar

// The three skips, by tokenizer state: each returns the first byte at or
// after p (before lim) that the state reacts to, or lim.
struct Scanner {
  Scanner(char delimiter, char quote)
      : cls(delimiter, quote),
        delim(swar::splat(delimiter)),
        quote(swar::splat(quote)),
        cr(swar::splat('\r')),
        lf(swar::splat('\n')) {}

  // Next byte at or after p that is not kOther.
  size_t skip_unquoted(const char* b, size_t p, size_t lim) const {
    for (; p + 8 <= lim; p += 8) {
      const uint64_t w = swar::load(b + p);
      const uint64_t m = swar::zero_bytes(w ^ delim) | swar::zero_bytes(w ^ quote) |
                         swar::zero_bytes(w ^ cr) | swar::zero_bytes(w ^ lf);
      if (m) return p + std::countr_zero(m) / 8;
    }
    while (p < lim && cls(b[p]) == CharClass::kOther) ++p;
    return p;
  }
  // Next quote, CR or LF.
  size_t skip_quoted(const char* b, size_t p, size_t lim) const {
    for (; p + 8 <= lim; p += 8) {
      const uint64_t w = swar::load(b + p);
      const uint64_t m =
          swar::zero_bytes(w ^ quote) | swar::zero_bytes(w ^ cr) | swar::zero_bytes(w ^ lf);
      if (m) return p + std::countr_zero(m) / 8;
    }
    while (p < lim && cls(b[p]) < CharClass::kQuote) ++p;
    return p;
  }
  // Next CR or LF.
  size_t skip_line(const char* b, size_t p, size_t lim) const {
    for (; p + 8 <= lim; p += 8) {
      const uint64_t w = swar::load(b + p);
      const uint64_t m = swar::zero_bytes(w ^ cr) | swar::zero_bytes(w ^ lf);
      if (m) return p + std::countr_zero(m) / 8;
    }
    while (p < lim && cls(b[p]) < CharClass::kCR) ++p;
    return p;
  }

  CharClassifier cls;
  uint64_t delim, quote, cr, lf;
};

}  // namespace skillsync::csv
