// GET as a ByteReader that resumes: on a transient failure mid-stream the
// object is reopened at the current offset with Range and If-Match, so the
// reader sees every byte exactly once, or an Error. The same code serves S3
// objects and presigned URLs (GetTarget). A cancel token, when given, reaches
// every request (the transport's pump looks at it while it waits) and every
// backoff sleep, so a stalled download ends at once with "cancelled".
#include <utility>

#include "metrics/skillsync_metrics.hpp"
#include "source/s3/client_core.hpp"
#include "source/s3/s3_internal.hpp"

namespace skillsync::source::s3::internal {
namespace {

// One attempt's outcome: a response to stream from.
struct Opened {
  std::unique_ptr<ResponseStream> body;
  ObjectInfo info;
};

std::string range_from(uint64_t offset) { return "bytes=" + std::to_string(offset) + "-"; }

class S3ObjectStream final : public ObjectStream {
 public:
  S3ObjectStream(std::shared_ptr<ClientCore> core, GetTarget target, ObjectInfo info,
                 uint64_t offset, std::unique_ptr<ResponseStream> body, milliseconds spent,
                 const CancellationToken* cancel)
      : core_(std::move(core)),
        target_(std::move(target)),
        info_(std::move(info)),
        offset_(offset),
        body_(std::move(body)),
        spent_(spent),
        cancel_(cancel) {}

  const ObjectInfo& info() const override { return info_; }
  uint64_t offset() const override { return offset_; }

  Result<size_t> read(std::span<char> buf) override {
    if (failed_) return *failed_;
    // Time spent retrying in this call counts against retry_deadline on top
    // of what earlier calls spent; time between calls (the reader's) does not.
    const Budget budget(
        core_->config().retry_deadline,
        SteadyClock::now() - std::chrono::duration_cast<SteadyClock::duration>(spent_));
    bool retried = false;
    for (;;) {
      if (offset_ >= info_.size) return size_t{0};
      if (!body_) {
        auto reopened = reopen(budget);
        if (!reopened.ok()) return fail(reopened.error());
        body_ = std::move(*reopened);
      }
      const size_t want = static_cast<size_t>(
          std::min<uint64_t>(buf.size(), info_.size - offset_));  // never past the object
      auto n = body_->read(buf.first(want));
      if (n.ok() && *n > 0) {
        read_bytes_.inc(*n);
        offset_ += *n;
        failures_ = 0;
        if (retried) spent_ = budget.elapsed();
        return *n;
      }
      // The body ended before the object did, or the connection failed.
      retried = true;
      Error error = n.ok() ? Error{"connection_failed", "connection closed early"} : n.error();
      body_.reset();
      // A cut seen after a cancel is the cancel's doing as far as the caller
      // is concerned: it asked to stop, not for a retry.
      if (is_cancelled(cancel_)) return fail(cancelled_error(what()));
      if (!is_transient_error(error)) return fail(describe(std::move(error)));
      if (++failures_ >= core_->config().max_attempts) {
        return fail(after_attempts(describe(std::move(error)), failures_));
      }
      if (auto over = past_deadline(budget, error)) return fail(*over);
    }
  }

 private:
  std::string what() const {
    return "S3 GET " + target_.resource + " at byte " + std::to_string(offset_);
  }

  Error describe(Error error) const {
    error.message = what() + ": " + error.code + ": " + error.message;
    return error;
  }

  Error fail(Error error) {
    failed_ = target_.scrub(*core_, std::move(error));
    return *failed_;
  }

  // Sleeps the backoff unless the budget is spent; the deadline Error when
  // it is (before or after the sleep), the "cancelled" Error when the token
  // was set (the sleep ends early then).
  std::optional<Error> past_deadline(const Budget& budget, const Error& last) {
    if (!budget.exhausted() && !core_->backoff(failures_, budget.remaining(), cancel_)) {
      return cancelled_error(what());
    }
    if (!budget.exhausted()) return std::nullopt;
    Error error = last;
    if (!error.message.starts_with("S3 ")) error = describe(std::move(error));
    return deadline_error(what(), budget, error, "retry_deadline");
  }

  // Reopens at offset_, retrying transient failures; failures_ continues the
  // count of the failure that led here.
  Result<std::unique_ptr<ResponseStream>> reopen(const Budget& budget) {
    SendOptions options;
    options.headers["range"] = range_from(offset_);
    if (!info_.etag.empty()) options.headers["if-match"] = info_.etag;
    options.cancel = cancel_;
    for (;;) {
      if (is_cancelled(cancel_)) return cancelled_error(what());
      options.connect_timeout = std::max(budget.remaining(), milliseconds(1));
      options.stall_timeout = options.connect_timeout;
      auto response = target_.send(*core_, "GET", options);
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
                       "S3 GET " + target_.resource +
                           ": the object changed while it was being read (at byte " +
                           std::to_string(offset_) + ")"};
        }
        if (status == 206) {
          const auto cr = h.find("content-range");
          auto range = cr == h.end() ? std::nullopt : parse_content_range(cr->second);
          if (!range || range->first != offset_ || range->total != info_.size) {
            return Error{"bad_response", "S3 GET " + target_.resource +
                                             ": the resumed response does not start at byte " +
                                             std::to_string(offset_)};
          }
          return std::move(*response);
        }
        if (status >= 200 && status < 300) {
          return Error{"bad_response",
                       "S3 GET " + target_.resource + ": the server ignored the Range header"};
        }
        error = http_error("GET", target_.resource, status, read_small_body(r), h);
        transient = is_transient_status(status, error.code);
      }
      if (!transient) return error;
      if (++failures_ >= core_->config().max_attempts) return after_attempts(error, failures_);
      if (auto over = past_deadline(budget, error)) return *over;
    }
  }

  std::shared_ptr<ClientCore> core_;
  GetTarget target_;
  ObjectInfo info_;
  uint64_t offset_;
  std::unique_ptr<ResponseStream> body_;
  milliseconds spent_;  // retrying, by earlier read() calls
  const CancellationToken* cancel_;
  int failures_ = 0;
  std::optional<Error> failed_;
  metrics::Counter& read_bytes_ = metrics::skillsync().source_read_bytes;
};

// One attempt at the first GET. Sets `transient` when worth retrying.
Error object_changed(const GetTarget& target, uint64_t offset) {
  return Error{"object_changed", "S3 GET " + target.resource +
                                     ": the object is not the version the load started with "
                                     "(its ETag changed; at byte " +
                                     std::to_string(offset) + ")"};
}

Result<Opened> open_once(ClientCore& core, const GetTarget& target, uint64_t offset,
                         std::string_view if_match, const Budget& budget,
                         const CancellationToken* cancel, bool& transient) {
  const std::string& resource = target.resource;
  SendOptions options;
  options.cancel = cancel;
  if (offset > 0) options.headers["range"] = range_from(offset);
  if (!if_match.empty()) options.headers["if-match"] = std::string(if_match);
  options.connect_timeout = std::max(budget.remaining(), milliseconds(1));
  options.stall_timeout = options.connect_timeout;
  auto response = target.send(core, "GET", options);
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
  // Servers that ignore If-Match still name the version they send.
  if (status == 412 || (status >= 200 && status < 300 && !if_match.empty() &&
                        !out.info.etag.empty() && out.info.etag != if_match)) {
    return object_changed(target, offset);
  }
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

Result<ObjectInfo> probe_object(ClientCore& core, const GetTarget& target, const Budget& budget,
                                std::string_view limit_name, const CancellationToken* cancel) {
  SendOptions options;
  options.cancel = cancel;
  if (!target.presigned) {
    auto response = send_with_retries(core, "HEAD", target, options, budget, limit_name);
    if (!response.ok()) return response.error();
    return info_from_headers((*response)->headers());
  }
  options.headers["range"] = "bytes=0-0";
  auto response = send_with_retries(core, "GET", target, options, budget, limit_name);
  if (!response.ok()) {
    // S3 answers a range of an empty object with 416.
    if (response.error().code == "InvalidRange") return ObjectInfo{};
    return response.error();
  }
  const auto& h = (*response)->headers();
  ObjectInfo info = info_from_headers(h);
  if ((*response)->status() == 206) {
    // Only the total matters here, and some servers write the range of an
    // empty object oddly ("bytes 0--1/0"): read what follows the '/'.
    const auto cr = h.find("content-range");
    const size_t slash = cr == h.end() ? std::string::npos : cr->second.rfind('/');
    auto total =
        slash == std::string::npos ? std::nullopt : parse_uint(cr->second.substr(slash + 1));
    if (!total) {
      return Error{"bad_response", "S3 GET " + target.resource + ": unexpected Content-Range"};
    }
    info.size = *total;
  }
  return info;
}

Result<std::unique_ptr<ObjectStream>> open_object(std::shared_ptr<ClientCore> core,
                                                  GetTarget target, uint64_t offset,
                                                  std::string_view if_match,
                                                  const CancellationToken* cancel) {
  const Budget budget(core->config().retry_deadline);
  const std::string what = "S3 GET " + target.resource;
  for (int attempt = 1;; ++attempt) {
    if (is_cancelled(cancel)) return cancelled_error(what);
    bool transient = false;
    auto opened = open_once(*core, target, offset, if_match, budget, cancel, transient);
    if (opened.ok()) {
      const milliseconds spent = attempt > 1 ? budget.elapsed() : milliseconds(0);
      return std::unique_ptr<ObjectStream>(
          std::make_unique<S3ObjectStream>(core, std::move(target), std::move(opened->info), offset,
                                           std::move(opened->body), spent, cancel));
    }
    if (opened.error().code == "cancelled") return target.scrub(*core, opened.error());
    if (opened.error().code == "InvalidRange" && offset > 0) {
      // S3 refuses a range that starts at the end; reading from the end of an
      // object is still well defined: nothing is left.
      auto info = probe_object(*core, target, budget, "retry_deadline", cancel);
      if (info.ok() && !if_match.empty() && !info->etag.empty() && info->etag != if_match) {
        return object_changed(target, offset);
      }
      if (info.ok() && info->size == offset) {
        return std::unique_ptr<ObjectStream>(std::make_unique<S3ObjectStream>(
            core, std::move(target), std::move(*info), offset, nullptr, milliseconds(0), cancel));
      }
      return target.scrub(*core, opened.error());
    }
    if (!transient || attempt >= core->config().max_attempts) {
      return target.scrub(*core, after_attempts(opened.error(), attempt));
    }
    if (!budget.exhausted() && !core->backoff(attempt, budget.remaining(), cancel)) {
      return cancelled_error(what);
    }
    if (budget.exhausted()) {
      return target.scrub(*core, deadline_error(what, budget, opened.error(), "retry_deadline"));
    }
  }
}

}  // namespace skillsync::source::s3::internal
