// Reading one object: probe_object (size and ETag) and open_object, a GET
// as a ByteReader that resumes: on a transient failure mid-stream the object
// is reopened at the current offset with Range and If-Match, so the reader
// sees every byte exactly once, or an Error. The first GET and every reopen
// are the same attempt (get_once) checked by the same rules (check_answer),
// retried by retry_with_budget. The same code serves S3 objects and presigned
// URLs (GetTarget). A cancel token, when given, reaches every request and
// every backoff sleep, so a stalled download ends at once with "cancelled".
#include "source/s3/object_stream.hpp"

#include <utility>

#include "metrics/skillsync_metrics.hpp"
#include "source/s3/retry.hpp"
#include "source/s3/s3_internal.hpp"

namespace skillsync::source::s3::internal {
namespace {

using Headers = std::map<std::string, std::string>;

// An accepted GET answer: the body to stream and what it holds.
struct Opened {
  std::unique_ptr<ResponseStream> body;
  ObjectInfo info;
};

// Where a GET starts, and what it must find there.
struct GetAt {
  uint64_t offset = 0;
  std::string_view if_match;     // "" : any version
  std::optional<uint64_t> size;  // a resume: the size the object had
};

// The one wording of a version that is not the pinned one.
Error object_changed(std::string_view resource, uint64_t offset) {
  return Error{"object_changed", "S3 GET " + std::string(resource) +
                                     ": the object changed while it was being read (its ETag "
                                     "is not the one pinned; at byte " +
                                     std::to_string(offset) + ")"};
}

Error bad_answer(std::string_view resource, const std::string& why) {
  return Error{"bad_response", "S3 GET " + std::string(resource) + ": " + why};
}

// The rules every GET answer (2xx or 412) is held to, the first open's and
// each resume's: the pinned version (servers that ignore If-Match still name
// the version they send), bytes from at.offset, and on a resume the size
// the object had.
Result<ObjectInfo> check_answer(int status, const Headers& h, std::string_view resource,
                                const GetAt& at) {
  ObjectInfo info;
  if (auto it = h.find("etag"); it != h.end()) info.etag = it->second;
  if (status == 412 || (!at.if_match.empty() && !info.etag.empty() && info.etag != at.if_match)) {
    return object_changed(resource, at.offset);
  }
  uint64_t first = 0;
  if (status == 200) {
    const auto cl = h.find("content-length");
    auto size = cl == h.end() ? std::nullopt : parse_uint(cl->second);
    if (!size) return bad_answer(resource, "no Content-Length");
    info.size = *size;
  } else if (status == 206) {
    const auto cr = h.find("content-range");
    auto range = cr == h.end() ? std::nullopt : parse_content_range(cr->second);
    if (!range) return bad_answer(resource, "unexpected Content-Range");
    first = range->first;
    info.size = range->total;
  } else {
    return bad_answer(resource, "unexpected status " + std::to_string(status));
  }
  if (first != at.offset) {
    return bad_answer(resource,
                      "the answer does not start at byte " + std::to_string(at.offset) +
                          (status == 200 ? " (the server ignored the Range header)" : ""));
  }
  if (at.size && info.size != *at.size) {
    return bad_answer(resource, "the object is " + std::to_string(info.size) + " bytes, was " +
                                    std::to_string(*at.size));
  }
  return info;
}

// One GET from at.offset (Range and If-Match as needed), its timeouts cut to
// `limit`. nullopt with `out` set when the answer is accepted.
std::optional<Failure> get_once(ClientCore& core, const GetTarget& target, std::string_view what,
                                const GetAt& at, std::chrono::milliseconds limit,
                                const CancellationToken* cancel, Opened& out) {
  SendOptions options;
  options.cancel = cancel;
  if (at.offset > 0) options.headers["range"] = "bytes=" + std::to_string(at.offset) + "-";
  if (!at.if_match.empty()) options.headers["if-match"] = std::string(at.if_match);
  options.connect_timeout = limit;
  options.stall_timeout = limit;
  auto response = target.send(core, "GET", options);
  if (!response.ok()) return transport_failure(what, response.error());
  ResponseStream& r = **response;
  const int status = r.status();
  if (status != 412 && (status < 200 || status >= 300)) {
    return answer_failure("GET", target.resource, r);
  }
  auto info = check_answer(status, r.headers(), target.resource, at);
  if (!info.ok()) return Failure{info.error(), false};
  out = {std::move(*response), std::move(*info)};
  return std::nullopt;
}

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
    if (offset_ >= info_.size) return size_t{0};
    std::optional<Failure> cut;
    if (body_) {
      cut = read_body(buf);
      if (!cut) return delivered_;
    }
    return read_with_retries(buf, std::move(cut));
  }

 private:
  std::string what() const {
    return "S3 GET " + target_.resource + " at byte " + std::to_string(offset_);
  }

  // Reads what the open body gives, never past the object. nullopt when
  // bytes came (delivered_ says how many); else the failure (a body that
  // ends before the object does is a cut connection) and the body is gone.
  std::optional<Failure> read_body(std::span<char> buf) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), info_.size - offset_));
    auto n = body_->read(buf.first(want));
    if (n.ok() && *n > 0) {
      read_bytes_.inc(*n);
      offset_ += *n;
      delivered_ = *n;
      return std::nullopt;
    }
    body_.reset();
    return transport_failure(
        what(), n.ok() ? Error{Errc::kConnectionFailed, "connection closed early"} : n.error());
  }

  // Reopens at offset_ and reads, as retry_with_budget allows. Time spent
  // retrying counts against retry_deadline on top of what earlier calls
  // spent; time between calls (the reader's) does not. A failure fails the
  // stream for good.
  Result<size_t> read_with_retries(std::span<char> buf, std::optional<Failure> cut) {
    const Budget budget(
        core_->config().retry_deadline,
        SteadyClock::now() - std::chrono::duration_cast<SteadyClock::duration>(spent_));
    const std::string doing = what();
    auto attempt = [&](milliseconds limit) -> std::optional<Failure> {
      if (!body_) {
        Opened reopened;
        const GetAt at{offset_, info_.etag, info_.size};
        if (auto f = get_once(*core_, target_, doing, at, limit, cancel_, reopened)) return f;
        body_ = std::move(reopened.body);
      }
      return read_body(buf);
    };
    Status done = retry_with_budget({*core_, target_, doing, budget, "retry_deadline", cancel_},
                                    attempt, std::move(cut));
    if (!done.ok()) {
      failed_ = done.error();
      return *failed_;
    }
    spent_ = budget.elapsed();
    return delivered_;
  }

  std::shared_ptr<ClientCore> core_;
  GetTarget target_;
  ObjectInfo info_;
  uint64_t offset_;
  std::unique_ptr<ResponseStream> body_;
  milliseconds spent_;  // retrying, by earlier read() calls
  const CancellationToken* cancel_;
  size_t delivered_ = 0;  // by the last read_body that got bytes
  std::optional<Error> failed_;
  metrics::Counter& read_bytes_ = metrics::skillsync().source_read_bytes;
};

ObjectInfo info_from_headers(const Headers& headers) {
  ObjectInfo info;
  if (auto it = headers.find("content-length"); it != headers.end()) {
    if (auto size = parse_uint(it->second)) info.size = *size;
  }
  if (auto it = headers.find("etag"); it != headers.end()) info.etag = it->second;
  return info;
}

// S3 refuses a range that starts at the end of an object (InvalidRange);
// reading from the end is still well defined: nothing is left. `refused` is
// the error when the object does not end at `offset`.
Result<std::unique_ptr<ObjectStream>> open_at_end(std::shared_ptr<ClientCore> core,
                                                  GetTarget target, uint64_t offset,
                                                  std::string_view if_match, const Budget& budget,
                                                  const CancellationToken* cancel, Error refused) {
  auto info = probe_object(*core, target, budget, "retry_deadline", cancel);
  if (info.ok() && !if_match.empty() && !info->etag.empty() && info->etag != if_match) {
    return object_changed(target.resource, offset);
  }
  if (!info.ok() || info->size != offset) return refused;
  return std::unique_ptr<ObjectStream>(
      std::make_unique<S3ObjectStream>(std::move(core), std::move(target), std::move(*info), offset,
                                       nullptr, milliseconds(0), cancel));
}

}  // namespace

Result<ObjectInfo> probe_object(ClientCore& core, const GetTarget& target, const Budget& budget,
                                std::string_view limit_name, const CancellationToken* cancel) {
  SendOptions options;
  options.cancel = cancel;
  if (!target.presigned) {
    SKILLSYNC_ASSIGN_OR_RETURN(
        auto response, send_with_retries(core, "HEAD", target, options, budget, limit_name));
    return info_from_headers(response->headers());
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
    if (!total) return bad_answer(target.resource, "unexpected Content-Range");
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
  Opened opened;
  int attempts = 0;
  auto attempt = [&](milliseconds limit) {
    ++attempts;
    return get_once(*core, target, what, {offset, if_match, std::nullopt}, limit, cancel, opened);
  };
  Status done = retry_with_budget({*core, target, what, budget, "retry_deadline", cancel}, attempt);
  if (!done.ok()) {
    if (done.error().code != "InvalidRange" || offset == 0) return done.error();
    return open_at_end(std::move(core), std::move(target), offset, if_match, budget, cancel,
                       done.error());
  }
  // Only time spent retrying counts against the stream's retry_deadline.
  const milliseconds spent = attempts > 1 ? budget.elapsed() : milliseconds(0);
  return std::unique_ptr<ObjectStream>(
      std::make_unique<S3ObjectStream>(std::move(core), std::move(target), std::move(opened.info),
                                       offset, std::move(opened.body), spent, cancel));
}

}  // namespace skillsync::source::s3::internal
