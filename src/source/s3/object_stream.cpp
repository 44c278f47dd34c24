// GET as a ByteReader that resumes: on a transient failure mid-stream the
// object is reopened at the current offset with Range and If-Match, so the
// reader sees every byte exactly once, or an Error.
#include <utility>

#include "source/s3/client_core.hpp"
#include "source/s3/s3_internal.hpp"

namespace skillsync::source::s3::internal {
namespace {

// One attempt's outcome: a response to stream from, or an error that may be
// worth retrying.
struct Opened {
  std::unique_ptr<ResponseStream> body;  // null with `error`, or for an empty tail
  ObjectInfo info;
};

class S3ObjectStream final : public ObjectStream {
 public:
  S3ObjectStream(std::shared_ptr<ClientCore> core, S3Uri object, ObjectInfo info, uint64_t offset,
                 std::unique_ptr<ResponseStream> body)
      : core_(std::move(core)),
        object_(std::move(object)),
        info_(std::move(info)),
        offset_(offset),
        body_(std::move(body)) {}

  const ObjectInfo& info() const override { return info_; }
  uint64_t offset() const override { return offset_; }

  Result<size_t> read(std::span<char> buf) override {
    if (failed_) return *failed_;
    for (;;) {
      if (offset_ >= info_.size) return size_t{0};
      if (!body_) {
        auto reopened = reopen();
        if (!reopened.ok()) return fail(reopened.error());
        body_ = std::move(*reopened);
      }
      const size_t want = static_cast<size_t>(
          std::min<uint64_t>(buf.size(), info_.size - offset_));  // never past the object
      auto n = body_->read(buf.first(want));
      if (n.ok() && *n > 0) {
        offset_ += *n;
        failures_ = 0;
        return *n;
      }
      // The body ended before the object did, or the connection failed.
      Error error = n.ok() ? Error{"connection_failed", "connection closed early"} : n.error();
      body_.reset();
      if (!is_transient_error(error)) return fail(describe(std::move(error)));
      if (++failures_ >= core_->config().max_attempts) {
        return fail(after_attempts(describe(std::move(error)), failures_));
      }
      core_->backoff(failures_);
    }
  }

 private:
  Error describe(Error error) const {
    error.message = "S3 GET " + resource_name(object_.bucket, object_.key) + " at byte " +
                    std::to_string(offset_) + ": " + error.code + ": " + error.message;
    return error;
  }

  Error fail(Error error) {
    failed_ = error;
    return error;
  }

  // Reopens at offset_, retrying transient failures; failures_ continues the
  // count of the failure that led here.
  Result<std::unique_ptr<ResponseStream>> reopen() {
    const std::string resource = resource_name(object_.bucket, object_.key);
    std::map<std::string, std::string> headers{{"range", "bytes=" + std::to_string(offset_) + "-"}};
    if (!info_.etag.empty()) headers["if-match"] = info_.etag;
    for (;;) {
      auto response = core_->send("GET", object_.bucket, object_.key, headers, "");
      Error error;
      bool transient = false;
      if (!response.ok()) {
        error = describe(response.error());
        transient = is_transient_error(response.error());
      } else {
        ResponseStream& r = **response;
        const int status = r.status();
        const auto& h = r.headers();
        const auto etag = h.find("etag");
        if (status == 412 || (status == 206 && !info_.etag.empty() && etag != h.end() &&
                              etag->second != info_.etag)) {
          return Error{"object_changed",
                       "S3 GET " + resource +
                           ": the object changed while it was being read (at byte " +
                           std::to_string(offset_) + ")"};
        }
        if (status == 206) {
          const auto cr = h.find("content-range");
          auto range = cr == h.end() ? std::nullopt : parse_content_range(cr->second);
          if (!range || range->first != offset_ || range->total != info_.size) {
            return Error{"bad_response", "S3 GET " + resource +
                                             ": the resumed response does not start at byte " +
                                             std::to_string(offset_)};
          }
          return std::move(*response);
        }
        if (status >= 200 && status < 300) {
          return Error{"bad_response",
                       "S3 GET " + resource + ": the server ignored the Range header"};
        }
        error = http_error("GET", resource, status, read_small_body(r), h);
        transient = is_transient_status(status, error.code);
      }
      if (!transient) return error;
      if (++failures_ >= core_->config().max_attempts) return after_attempts(error, failures_);
      core_->backoff(failures_);
    }
  }

  std::shared_ptr<ClientCore> core_;
  S3Uri object_;
  ObjectInfo info_;
  uint64_t offset_;
  std::unique_ptr<ResponseStream> body_;
  int failures_ = 0;
  std::optional<Error> failed_;
};

// One attempt at the first GET. Sets `transient` when worth retrying.
Result<Opened> open_once(ClientCore& core, const S3Uri& object, uint64_t offset, bool& transient) {
  const std::string resource = resource_name(object.bucket, object.key);
  std::map<std::string, std::string> headers;
  if (offset > 0) headers["range"] = "bytes=" + std::to_string(offset) + "-";
  auto response = core.send("GET", object.bucket, object.key, headers, "");
  if (!response.ok()) {
    transient = is_transient_error(response.error());
    Error e = response.error();
    e.message = "S3 GET " + resource + ": " + e.code + ": " + e.message;
    return e;
  }
  ResponseStream& r = **response;
  const auto& h = r.headers();
  const int status = r.status();
  Opened out;
  if (auto it = h.find("etag"); it != h.end()) out.info.etag = it->second;
  if (status == 200 && offset == 0) {
    const auto cl = h.find("content-length");
    auto size = cl == h.end() ? std::nullopt : parse_uint(cl->second);
    if (!size) return Error{"bad_response", "S3 GET " + resource + ": no Content-Length"};
    out.info.size = *size;
    out.body = std::move(*response);
    return out;
  }
  if (status == 206 && offset > 0) {
    const auto cr = h.find("content-range");
    auto range = cr == h.end() ? std::nullopt : parse_content_range(cr->second);
    if (!range || range->first != offset) {
      return Error{"bad_response", "S3 GET " + resource + ": unexpected Content-Range"};
    }
    out.info.size = range->total;
    out.body = std::move(*response);
    return out;
  }
  if (status >= 200 && status < 300) {
    return Error{"bad_response",
                 "S3 GET " + resource + ": unexpected status " + std::to_string(status)};
  }
  Error error = http_error("GET", resource, status, read_small_body(r), h);
  transient = is_transient_status(status, error.code);
  return error;
}

}  // namespace

Result<std::unique_ptr<ObjectStream>> open_object(std::shared_ptr<ClientCore> core,
                                                  const S3Uri& object, uint64_t offset) {
  for (int attempt = 1;; ++attempt) {
    bool transient = false;
    auto opened = open_once(*core, object, offset, transient);
    if (opened.ok()) {
      return std::unique_ptr<ObjectStream>(std::make_unique<S3ObjectStream>(
          core, object, std::move(opened->info), offset, std::move(opened->body)));
    }
    if (opened.error().code == "InvalidRange" && offset > 0) {
      // S3 refuses a range that starts at the end; reading from the end of an
      // object is still well defined: nothing is left.
      auto response = core->send("HEAD", object.bucket, object.key, {}, "");
      if (response.ok() && (*response)->status() == 200) {
        const auto& h = (*response)->headers();
        const auto cl = h.find("content-length");
        auto size = cl == h.end() ? std::nullopt : parse_uint(cl->second);
        if (size && *size == offset) {
          ObjectInfo info;
          info.size = *size;
          if (auto it = h.find("etag"); it != h.end()) info.etag = it->second;
          return std::unique_ptr<ObjectStream>(
              std::make_unique<S3ObjectStream>(core, object, std::move(info), offset, nullptr));
        }
      }
      return opened.error();
    }
    if (!transient || attempt >= core->config().max_attempts) {
      return after_attempts(opened.error(), attempt);
    }
    core->backoff(attempt);
  }
}

}  // namespace skillsync::source::s3::internal
