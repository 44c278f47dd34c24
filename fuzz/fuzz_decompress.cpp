// fuzz_decompress: decompress::DecompressingReader over hostile bytes.
//
// Input: a 2-byte header, then the raw (maybe compressed) object.
//   [0] chunk sizes of the raw stream (0: as much as asked for)
//   [1] bits 0-3 zstd_window_log_max - 10 (10..22), bits 4-7 input buffer
//       size in 64-byte steps (raised to 64 by the reader)
//
// Checks: the format is the one the magic bytes say; each read() returns at
// least one byte until the end (0) or an Error, which then repeats; an
// uncompressed stream comes out unchanged; the counters add up
// (decompressed_bytes, compressed_bytes_consumed equal to the raw size at the
// end); memory_bytes() stays within the input buffer, the zstd window limit
// and a fixed allowance; and reading in tiny chunks gives the same bytes and
// the same outcome as reading in one piece. Output past kMaxOutput is not
// read (a bomb is bounded by the caller, not the reader; the memory check is
// what matters for it).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_util.hpp"
#include "source/decompress/decompress.hpp"

namespace skillsync::fuzz {
namespace {

constexpr size_t kHeaderBytes = 2;
constexpr size_t kMaxOutput = 4 << 20;
// zlib's state and window, zstd's context beside its window, our own Impl.
constexpr size_t kFixedAllowance = 640 * 1024;

struct Outcome {
  std::string output;
  bool capped = false;         // stopped at kMaxOutput
  std::optional<Error> error;  // how it ended, if not at the end
  decompress::Format format = decompress::Format::kNone;
};

Outcome drain(std::string_view raw, const std::vector<size_t>& chunks,
              const std::vector<size_t>& out_sizes, const decompress::Options& options) {
  ChunkedReader input(raw, chunks);
  decompress::DecompressingReader reader(input, options);
  const size_t memory_limit = std::max<size_t>(64, options.input_buffer_bytes) +
                              (size_t{1} << options.zstd_window_log_max) + kFixedAllowance;
  Outcome out;
  std::vector<char> buf(64 * 1024);
  uint64_t consumed = 0;
  for (size_t i = 0;; ++i) {
    const size_t want = std::min(out_sizes[i % out_sizes.size()], buf.size());
    Result<size_t> n = reader.read(std::span<char>(buf.data(), want));
    FUZZ_CHECK(reader.memory_bytes() <= memory_limit, "memory_bytes() " +
                                                          std::to_string(reader.memory_bytes()) +
                                                          " over " + std::to_string(memory_limit));
    FUZZ_CHECK(reader.compressed_bytes_consumed() >= consumed, "compressed bytes went down");
    consumed = reader.compressed_bytes_consumed();
    FUZZ_CHECK(consumed <= raw.size(), "consumed more than the raw stream");
    if (!n.ok()) {
      Result<size_t> again = reader.read(std::span<char>(buf.data(), 1));
      FUZZ_CHECK(!again.ok() && again.error() == n.error(), "a later read() forgot the Error");
      FUZZ_CHECK(n.error().code == "decompress_failed", n.error().code + ": " + n.error().message);
      out.error = n.error();
      break;
    }
    FUZZ_CHECK(*n <= want, "read() returned more than asked");
    if (*n == 0) {
      FUZZ_CHECK(consumed == raw.size(), "at the end, compressed_bytes_consumed() " +
                                             std::to_string(consumed) + " is not the raw size " +
                                             std::to_string(raw.size()));
      Result<size_t> again = reader.read(std::span<char>(buf.data(), 1));
      FUZZ_CHECK(again.ok() && *again == 0, "read() after the end must return 0 again");
      break;
    }
    out.output.append(buf.data(), *n);
    FUZZ_CHECK(reader.decompressed_bytes() == out.output.size(), "decompressed_bytes() is off");
    if (out.output.size() >= kMaxOutput) {
      out.capped = true;
      break;
    }
  }
  out.format = reader.format();
  return out;
}

decompress::Format expected_format(std::string_view raw) {
  if (raw.starts_with("\x1f\x8b")) return decompress::Format::kGzip;
  if (raw.starts_with("\x28\xb5\x2f\xfd")) return decompress::Format::kZstd;
  return decompress::Format::kNone;
}

}  // namespace
}  // namespace skillsync::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace skillsync;
  using namespace skillsync::fuzz;
  if (size < kHeaderBytes) return 0;
  const std::string_view raw(reinterpret_cast<const char*>(data) + kHeaderBytes,
                             size - kHeaderBytes);
  decompress::Options options;
  options.zstd_window_log_max = 10 + (data[1] & 0x0F) % 13;
  options.input_buffer_bytes = size_t{64} * (data[1] >> 4);

  const Outcome whole = drain(raw, {}, {64 * 1024}, options);
  const decompress::Format format = expected_format(raw);
  FUZZ_CHECK(whole.format == format,
             "detected " + std::string(decompress::to_string(whole.format)));
  if (format == decompress::Format::kNone) {
    FUZZ_CHECK(!whole.error, "uncompressed input cannot fail");
    FUZZ_CHECK(whole.output == raw.substr(0, whole.output.size()) &&
                   (whole.capped || whole.output.size() == raw.size()),
               "uncompressed input must pass through unchanged");
  }

  const Outcome chunked = drain(raw, chunk_pattern(data[0]), {1, 3, 4096, 17, 2}, options);
  const size_t common = std::min(whole.output.size(), chunked.output.size());
  FUZZ_CHECK(whole.output.compare(0, common, chunked.output, 0, common) == 0,
             "chunking changed the decompressed bytes");
  if (!whole.capped && !chunked.capped) {
    FUZZ_CHECK(whole.error.has_value() == chunked.error.has_value(),
               "chunking changed whether the stream fails");
    // (Before an Error, how much was handed out depends on the read sizes.)
    FUZZ_CHECK(whole.error || whole.output.size() == chunked.output.size(),
               "chunking changed the decompressed size");
  }
  return 0;
}
