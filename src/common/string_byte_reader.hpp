// StringByteReader: a ByteReader that serves a string it owns. The error
// report splits stored records with it, and unit tests feed pipelines with
// it (LevelDB's StringSource plays the same part in its log tests).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <span>
#include <string>
#include <utility>

#include "common/byte_reader.hpp"

namespace skillsync {

class StringByteReader : public ByteReader {
 public:
  // Serves `data` from its first byte. Each read returns at most
  // `max_chunk` bytes (default: as many as the caller asks for); a small
  // chunk makes the consumer see short reads, as from a network source.
  // REQUIRES: max_chunk > 0
  explicit StringByteReader(std::string data, size_t max_chunk = kWhole)
      : data_(std::move(data)), max_chunk_(max_chunk) {}

  // Copies the next min(buf.size(), max_chunk, remaining) bytes; returns 0
  // at the end of the string. Never fails.
  Result<size_t> read(std::span<char> buf) override {
    const size_t n = std::min({buf.size(), max_chunk_, data_.size() - pos_});
    std::memcpy(buf.data(), data_.data() + pos_, n);
    pos_ += n;
    return n;
  }

  // Bytes served so far (the offset of the next read in the string).
  size_t position() const { return pos_; }
  // The whole string, served or not.
  const std::string& data() const { return data_; }

  static constexpr size_t kWhole = static_cast<size_t>(-1);

 private:
  std::string data_;
  size_t max_chunk_;
  size_t pos_ = 0;
};

}  // namespace skillsync
