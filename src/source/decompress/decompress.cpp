// DecompressingReader: detection by magic bytes, pass-through, and the
// decoders of decoders.cpp.
#include "source/decompress/decompress.hpp"

#include <algorithm>
#include <cstring>
#include <optional>

#include "source/decompress/decoders.hpp"

namespace skillsync::decompress {

namespace {

constexpr size_t kMinInputBuffer = 64;
constexpr unsigned char kGzipMagic[] = {0x1f, 0x8b};
constexpr unsigned char kZstdMagic[] = {0x28, 0xb5, 0x2f, 0xfd};
constexpr size_t kPeekBytes = sizeof kZstdMagic;

// True if the n bytes seen so far could still grow into `magic`.
template <size_t N>
bool may_become(const unsigned char* seen, size_t n, const unsigned char (&magic)[N]) {
  return n < N && std::memcmp(seen, magic, n) == 0;
}
template <size_t N>
bool starts_with(const unsigned char* seen, size_t n, const unsigned char (&magic)[N]) {
  return n >= N && std::memcmp(seen, magic, N) == 0;
}

}  // namespace

std::string_view to_string(Format f) {
  switch (f) {
    case Format::kNone:
      return "none";
    case Format::kGzip:
      return "gzip";
    case Format::kZstd:
      return "zstd";
  }
  return "none";
}

CompressedInput::CompressedInput(ByteReader& r, size_t capacity)
    : raw(r), buf(std::make_unique_for_overwrite<char[]>(capacity)), cap(capacity) {}

Status CompressedInput::fill() {
  pos = end = 0;
  SKILLSYNC_ASSIGN_OR_RETURN(const size_t n, raw.read(std::span<char>(buf.get(), cap)));
  if (n == 0) eof = true;
  end = n;
  total += n;
  return ok_status();
}

struct DecompressingReader::Impl {
  Impl(ByteReader& r, const Options& o) : raw(r), options(o) {}

  Status peek();
  Status start_decoder();
  Result<size_t> read(std::span<char> buf);

  ByteReader& raw;
  Options options;
  bool detected = false;
  Format format = Format::kNone;
  std::optional<Error> failure;  // sticky

  // Detection: the first bytes, handed out first when passing through.
  unsigned char head[kPeekBytes] = {};
  size_t head_size = 0;
  size_t head_pos = 0;
  bool raw_ended = false;  // pass-through: the raw reader returned 0

  std::unique_ptr<CompressedInput> input;
  std::unique_ptr<Decoder> decoder;
  uint64_t consumed = 0;  // pass-through only; compressed: input->total
  uint64_t produced = 0;
};

// Reads only as many bytes as it takes to rule each magic number in or out.
Status DecompressingReader::Impl::peek() {
  while (!raw_ended &&
         (may_become(head, head_size, kGzipMagic) || may_become(head, head_size, kZstdMagic))) {
    SKILLSYNC_ASSIGN_OR_RETURN(const size_t n,
                               raw.read(std::span<char>(reinterpret_cast<char*>(head) + head_size,
                                                        kPeekBytes - head_size)));
    if (n == 0) raw_ended = true;
    head_size += n;
  }
  consumed = head_size;
  if (starts_with(head, head_size, kGzipMagic)) {
    format = Format::kGzip;
  } else if (starts_with(head, head_size, kZstdMagic)) {
    format = Format::kZstd;
  }
  detected = true;
  return format == Format::kNone ? ok_status() : start_decoder();
}

Status DecompressingReader::Impl::start_decoder() {
  SKILLSYNC_ASSIGN_OR_RETURN(decoder, format == Format::kGzip
                                          ? make_gzip_decoder()
                                          : make_zstd_decoder(options.zstd_window_log_max));
  input =
      std::make_unique<CompressedInput>(raw, std::max(options.input_buffer_bytes, kMinInputBuffer));
  // The looked-at bytes are the start of the compressed stream.
  std::memcpy(input->buf.get(), head, head_size);
  input->end = head_size;
  input->total = head_size;
  input->eof = raw_ended;
  return ok_status();
}

Result<size_t> DecompressingReader::Impl::read(std::span<char> buf) {
  if (failure) return *failure;
  if (!detected) {
    Status s = peek();
    if (!s.ok()) {
      failure = s.error();
      return *failure;
    }
  }
  if (decoder) {
    Result<size_t> n = decoder->decode(*input, buf);
    if (!n.ok()) {
      failure = n.error();
      return *failure;
    }
    produced += *n;
    return *n;
  }
  // Pass-through: the looked-at bytes first, then straight from raw.
  if (head_pos < head_size) {
    const size_t n = std::min(buf.size(), head_size - head_pos);
    std::memcpy(buf.data(), head + head_pos, n);
    head_pos += n;
    produced += n;
    return n;
  }
  if (raw_ended) return size_t{0};
  Result<size_t> n = raw.read(buf);
  if (!n.ok()) {
    failure = n.error();
    return *failure;
  }
  if (*n == 0) raw_ended = true;
  consumed += *n;
  produced += *n;
  return *n;
}

DecompressingReader::DecompressingReader(ByteReader& raw, Options options)
    : impl_(std::make_unique<Impl>(raw, options)) {}
DecompressingReader::~DecompressingReader() = default;

Result<size_t> DecompressingReader::read(std::span<char> buf) { return impl_->read(buf); }

Result<Format> DecompressingReader::detect() {
  if (impl_->failure) return *impl_->failure;
  if (!impl_->detected) {
    Status s = impl_->peek();
    if (!s.ok()) {
      impl_->failure = s.error();
      return *impl_->failure;
    }
  }
  return impl_->format;
}

Format DecompressingReader::format() const { return impl_->format; }

uint64_t DecompressingReader::compressed_bytes_consumed() const {
  return impl_->input ? impl_->input->total : impl_->consumed;
}

uint64_t DecompressingReader::decompressed_bytes() const { return impl_->produced; }

size_t DecompressingReader::memory_bytes() const {
  size_t n = sizeof(Impl);
  if (impl_->input) n += sizeof(CompressedInput) + impl_->input->cap;
  if (impl_->decoder) n += impl_->decoder->memory_bytes();
  return n;
}

}  // namespace skillsync::decompress
