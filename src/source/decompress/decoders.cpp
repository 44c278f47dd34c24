// The gzip (zlib inflate) and zstd (ZSTD_decompressStream) decoders.
//
// Both decode straight into the caller's buffer. Each loop iteration either
// returns, consumes input, produces output, or reads more raw bytes (which
// ends with the raw stream), so a corrupt stream cannot make them spin.
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <string>

#include "source/decompress/decoders.hpp"

namespace skillsync::decompress {

namespace {

Error failed(std::string message) { return Error{"decompress_failed", std::move(message)}; }

// ---------------------------------------------------------------- gzip

class GzipDecoder final : public Decoder {
 public:
  GzipDecoder() {
    strm_.zalloc = &GzipDecoder::alloc;
    strm_.zfree = &GzipDecoder::free;
    strm_.opaque = this;
  }
  ~GzipDecoder() override {
    if (initialised_) inflateEnd(&strm_);
  }

  Status init() {
    // 16 + MAX_WBITS: a gzip wrapper (header and CRC-32 trailer), not zlib's.
    if (inflateInit2(&strm_, 16 + MAX_WBITS) != Z_OK) {
      return failed("could not set up the gzip decoder");
    }
    initialised_ = true;
    return ok_status();
  }

  Result<size_t> decode(CompressedInput& in, std::span<char> out) override;
  size_t memory_bytes() const override { return allocated_; }

 private:
  // zlib's allocations go through these so that memory_bytes() sees them.
  static voidpf alloc(voidpf opaque, uInt items, uInt size) {
    const size_t n = size_t{items} * size;
    auto* p = static_cast<size_t*>(std::malloc(n + sizeof(std::max_align_t)));
    if (p == nullptr) return Z_NULL;
    *p = n;
    static_cast<GzipDecoder*>(opaque)->allocated_ += n;
    return reinterpret_cast<char*>(p) + sizeof(std::max_align_t);
  }
  static void free(voidpf opaque, voidpf address) {
    if (address == Z_NULL) return;
    char* base = static_cast<char*>(address) - sizeof(std::max_align_t);
    static_cast<GzipDecoder*>(opaque)->allocated_ -= *reinterpret_cast<size_t*>(base);
    std::free(base);
  }

  Error corrupt(const CompressedInput& in, const char* why) const {
    return failed("corrupt gzip stream at compressed byte " + std::to_string(in.offset()) + ": " +
                  (why != nullptr ? why : "invalid data"));
  }

  z_stream strm_{};
  bool initialised_ = false;
  bool member_done_ = false;  // inflate returned Z_STREAM_END; another member may follow
  bool finished_ = false;
  size_t allocated_ = 0;
};

Result<size_t> GzipDecoder::decode(CompressedInput& in, std::span<char> out) {
  if (finished_) return size_t{0};
  // avail_out is 32-bit; a shorter read is allowed.
  const size_t want = std::min<size_t>(out.size(), UINT_MAX);
  strm_.next_out = reinterpret_cast<Bytef*>(out.data());
  strm_.avail_out = static_cast<uInt>(want);
  auto produced = [&] { return want - strm_.avail_out; };
  for (;;) {
    if (member_done_) {
      if (produced() == want) return produced();
      if (in.available() == 0) {
        if (in.eof) {
          finished_ = true;
          return produced();
        }
        if (produced() > 0) return produced();
        SKILLSYNC_TRY(in.fill());
        continue;
      }
      // More bytes after a member: they must be the next member.
      inflateReset(&strm_);
      member_done_ = false;
    }
    const size_t avail = std::min<size_t>(in.available(), UINT_MAX);
    strm_.next_in = reinterpret_cast<Bytef*>(in.buf.get() + in.pos);
    strm_.avail_in = static_cast<uInt>(avail);
    const size_t out_before = produced();
    const int ret = inflate(&strm_, Z_NO_FLUSH);
    in.pos += avail - strm_.avail_in;
    const bool progress = strm_.avail_in < avail || produced() > out_before;
    switch (ret) {
      case Z_STREAM_END:
        member_done_ = true;
        continue;
      case Z_OK:
      case Z_BUF_ERROR:  // no progress was possible: it needs input
        if (strm_.avail_out == 0) return produced();
        if (in.available() > 0) {
          // Not expected while there is room for output; a decoder that
          // stops making progress must not make us spin.
          if (progress) continue;
          return corrupt(in, "the decoder stopped");
        }
        if (in.eof) {
          return failed("truncated gzip stream: it ends at compressed byte " +
                        std::to_string(in.total) + " inside a member");
        }
        if (produced() > 0) return produced();
        SKILLSYNC_TRY(in.fill());
        continue;
      case Z_MEM_ERROR:
        return failed("out of memory in the gzip decoder");
      default:  // Z_DATA_ERROR, Z_NEED_DICT, Z_STREAM_ERROR
        return corrupt(in, strm_.msg);
    }
  }
}

// ---------------------------------------------------------------- zstd

class ZstdDecoder final : public Decoder {
 public:
  ZstdDecoder() : dctx_(ZSTD_createDCtx()) {}
  ~ZstdDecoder() override { ZSTD_freeDCtx(dctx_); }

  Status init(int window_log_max) {
    if (dctx_ == nullptr) return failed("could not set up the zstd decoder");
    const size_t r = ZSTD_DCtx_setParameter(dctx_, ZSTD_d_windowLogMax, window_log_max);
    if (ZSTD_isError(r)) {
      return failed(std::string("zstd window limit rejected: ") + ZSTD_getErrorName(r));
    }
    return ok_status();
  }

  Result<size_t> decode(CompressedInput& in, std::span<char> out) override;
  size_t memory_bytes() const override { return ZSTD_sizeof_DCtx(dctx_); }

 private:
  ZSTD_DCtx* dctx_;
  // Between frames: nothing read of a next frame yet, so the input may end here.
  bool between_frames_ = true;
  bool finished_ = false;
};

Result<size_t> ZstdDecoder::decode(CompressedInput& in, std::span<char> out) {
  if (finished_) return size_t{0};
  ZSTD_outBuffer ob{out.data(), out.size(), 0};
  for (;;) {
    if (in.available() == 0 && between_frames_) {
      if (in.eof) {
        finished_ = true;
        return ob.pos;
      }
      if (ob.pos > 0) return ob.pos;
      SKILLSYNC_TRY(in.fill());
      continue;
    }
    ZSTD_inBuffer ib{in.buf.get() + in.pos, in.available(), 0};
    const size_t out_before = ob.pos;
    const size_t ret = ZSTD_decompressStream(dctx_, &ob, &ib);
    in.pos += ib.pos;
    if (ZSTD_isError(ret)) {
      return failed("corrupt zstd stream at compressed byte " + std::to_string(in.offset()) + ": " +
                    ZSTD_getErrorName(ret));
    }
    // 0: a frame is complete and flushed; the next bytes, if any, start
    // another frame.
    between_frames_ = ret == 0;
    if (ob.pos == ob.size) return ob.pos;
    if (between_frames_) continue;
    // The output has room, so the decoder normally used all the input it
    // was given; one that stops making progress must not make us spin.
    if (in.available() > 0) {
      if (ib.pos > 0 || ob.pos > out_before) continue;
      return failed("corrupt zstd stream at compressed byte " + std::to_string(in.offset()) +
                    ": the decoder stopped");
    }
    if (in.eof) {
      return failed("truncated zstd stream: it ends at compressed byte " +
                    std::to_string(in.total) + " inside a frame");
    }
    if (ob.pos > 0) return ob.pos;
    SKILLSYNC_TRY(in.fill());
  }
}

}  // namespace

Result<std::unique_ptr<Decoder>> make_gzip_decoder() {
  auto d = std::make_unique<GzipDecoder>();
  SKILLSYNC_TRY(d->init());
  return std::unique_ptr<Decoder>(std::move(d));
}

Result<std::unique_ptr<Decoder>> make_zstd_decoder(int window_log_max) {
  auto d = std::make_unique<ZstdDecoder>();
  SKILLSYNC_TRY(d->init(window_log_max));
  return std::unique_ptr<Decoder>(std::move(d));
}

}  // namespace skillsync::decompress
