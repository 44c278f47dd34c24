// Helpers shared by the fuzz targets: a failing check that libFuzzer records
// as a crash, ByteReaders over the fuzzer's input, a reference UTF-8
// validator.
//
// The helpers are written independently of the code under test (no call
// into src/), so that a bug there cannot hide itself by agreeing with its
// own oracle.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/byte_reader.hpp"
#include "common/result.hpp"

namespace skillsync::fuzz {

// Prints what broke and aborts: libFuzzer saves the input as crash-<sha1>.
[[noreturn]] inline void fail(const char* file, int line, const char* what,
                              std::string_view detail) {
  std::fprintf(stderr, "\n== FUZZ_CHECK failed at %s:%d: %s\n", file, line, what);
  if (!detail.empty()) {
    std::fprintf(stderr, "   %.*s\n", static_cast<int>(std::min<size_t>(detail.size(), 2000)),
                 detail.data());
  }
  std::abort();
}

// An invariant of the code under test. Kept in release-like builds (unlike
// assert) because the fuzz preset is what checks them.
#define FUZZ_CHECK(cond, detail)                                             \
  do {                                                                       \
    if (!(cond)) ::skillsync::fuzz::fail(__FILE__, __LINE__, #cond, detail); \
  } while (0)

// Printable rendering of bytes for failure messages: "\xff", "\n", ...
inline std::string escape(std::string_view s) {
  std::string out;
  for (char ch : s.substr(0, 500)) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c < 0x7F && c != '\\') {
      out.push_back(ch);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out.append(buf);
    }
  }
  if (s.size() > 500) out.append("...");
  return out;
}

// Hands out `data` in chunks whose sizes cycle through `chunk_sizes` (an
// empty list: as much as asked for), and optionally fails with an input
// Error once `fail_at` bytes have been delivered, as a network stream can.
class ChunkedReader : public ByteReader {
 public:
  static constexpr uint64_t kNever = UINT64_MAX;

  ChunkedReader(std::string_view data, std::vector<size_t> chunk_sizes, uint64_t fail_at = kNever)
      : data_(data), chunks_(std::move(chunk_sizes)), fail_at_(fail_at) {}

  Result<size_t> read(std::span<char> buf) override {
    FUZZ_CHECK(!buf.empty(), "read() with an empty buffer violates ByteReader's contract");
    if (pos_ >= fail_at_) return Error{"injected_fault", "injected input failure"};
    size_t n = std::min(buf.size(), data_.size() - pos_);
    if (!chunks_.empty()) n = std::min(n, std::max<size_t>(1, chunks_[next_++ % chunks_.size()]));
    if (fail_at_ != kNever) n = std::min<uint64_t>(n, fail_at_ - pos_);
    if (n > 0) std::memcpy(buf.data(), data_.data() + pos_, n);
    pos_ += n;
    return n;
  }

  size_t delivered() const { return pos_; }

 private:
  std::string_view data_;
  std::vector<size_t> chunks_;
  uint64_t fail_at_;
  size_t pos_ = 0;
  size_t next_ = 0;
};

// A cycle of small chunk sizes derived from one byte (0: no chunking).
inline std::vector<size_t> chunk_pattern(uint8_t seed) {
  if (seed == 0) return {};
  return {size_t{1} + seed % 7, size_t{1} + seed % 13, size_t{1} + (seed * 37u) % 101, 1,
          size_t{1} + (seed >> 2)};
}

// Strict UTF-8 (Unicode Table 3-7): no overlong forms, no surrogates, nothing
// above U+10FFFF, no truncated sequence.
inline bool is_valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if (k == 1 ? (cc < lo || cc > hi) : (cc < 0x80 || cc > 0xBF)) return false;
    }
    i += len;
  }
  return true;
}

}  // namespace skillsync::fuzz
