// ByteReader: a pull-based stream of bytes (an S3 object, a decompressor, a
// string in a unit test). The CSV reader consumes one; sources produce them.
#pragma once

#include <cstddef>
#include <span>

#include "common/result.hpp"

namespace skillsync {

class ByteReader {
 public:
  virtual ~ByteReader() = default;

  // Reads up to buf.size() bytes into buf. Returns the number of bytes read;
  // 0 means the end of the stream. After an error the stream is unusable.
  // REQUIRES: !buf.empty()
  virtual Result<size_t> read(std::span<char> buf) = 0;
};

}  // namespace skillsync
