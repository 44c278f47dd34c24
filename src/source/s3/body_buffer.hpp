// source/s3: BodyBuffer, the bytes of a response body that curl has
// delivered and the reader has not taken yet.
//
// Memory: one allocation of high_water + chunk bytes (the libcurl transport:
// 1 MiB + 64 KiB), made at the first byte and kept for the response, however
// long the download and whatever the pace of its reader: curl is paused once
// high_water bytes are unread (full()), so an append never brings more than
// high_water - 1 + chunk bytes, and the bytes already taken are dropped
// (the unread ones moved to the front) before the buffer would have to grow.
// Only a chunk longer than `chunk` grows it, to exactly what it needs. (A
// string appended to with its unread bytes at the back reached 2 MiB, or 4,
// depending on how often a long download's reader fell behind: a 10M-row
// load ended with a larger buffer than a 1M-row one.)
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <span>
#include <vector>

namespace skillsync::source::s3 {

class BodyBuffer {
 public:
  // REQUIRES: high_water >= 1.
  BodyBuffer(size_t high_water, size_t chunk) : high_water_(high_water), chunk_(chunk) {}

  size_t unread() const { return bytes_.size() - pos_; }
  // True when the producer should stop (pause) until the reader takes some.
  bool full() const { return unread() >= high_water_; }
  size_t capacity() const { return bytes_.capacity(); }

  void append(const char* data, size_t len) {
    if (bytes_.size() + len > bytes_.capacity()) {
      bytes_.erase(bytes_.begin(), bytes_.begin() + static_cast<std::ptrdiff_t>(pos_));
      pos_ = 0;
      // reserve() allocates exactly what it is asked for.
      if (bytes_.size() + len > bytes_.capacity()) {
        bytes_.reserve(std::max(bytes_.size() + len, high_water_ + chunk_));
      }
    }
    bytes_.insert(bytes_.end(), data, data + len);
  }

  // Moves up to out.size() unread bytes into `out`; returns how many.
  size_t take(std::span<char> out) {
    const size_t n = std::min(out.size(), unread());
    if (n > 0) std::memcpy(out.data(), bytes_.data() + pos_, n);
    pos_ += n;
    if (pos_ == bytes_.size()) {
      bytes_.clear();  // keeps the capacity
      pos_ = 0;
    }
    return n;
  }

 private:
  size_t high_water_;
  size_t chunk_;
  std::vector<char> bytes_;
  size_t pos_ = 0;  // bytes_[0, pos_) are taken
};

}  // namespace skillsync::source::s3
