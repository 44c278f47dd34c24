// S3Client: the shared core (addressing, signing, region redirects, retry
// policy) and HEAD / PUT / create bucket; GET lives in object_stream.cpp,
// listing in listing.cpp, presigned URLs in presign.cpp.
#include <algorithm>
#include <array>
#include <cctype>
#include <thread>

#include "common/crypto.hpp"
#include "metrics/skillsync_metrics.hpp"
#include "source/s3/client_core.hpp"
#include "source/s3/s3.hpp"
#include "source/s3/s3_internal.hpp"

namespace skillsync::source::s3 {
namespace internal {
namespace {

// skillsync_s3_requests_total: the HTTP status, or the transport's error
// code (a closed set: connection_failed, timeout, tls_error, cancelled).
void count_request(const std::string& method,
                   const Result<std::unique_ptr<ResponseStream>>& response) {
  const std::string status =
      response.ok() ? std::to_string((*response)->status()) : response.error().code;
  metrics::skillsync().s3_requests.with({method, status}).inc();
}

// A response whose (small) body was already read, to look for a region.
class BufferedResponse final : public ResponseStream {
 public:
  BufferedResponse(int status, std::map<std::string, std::string> headers, std::string body)
      : status_(status), headers_(std::move(headers)), body_(std::move(body)) {}
  int status() const override { return status_; }
  const std::map<std::string, std::string>& headers() const override { return headers_; }
  Result<size_t> read(std::span<char> buf) override {
    const size_t n = std::min(buf.size(), body_.size() - pos_);
    std::copy_n(body_.data() + pos_, n, buf.data());
    pos_ += n;
    return n;
  }

 private:
  int status_;
  std::map<std::string, std::string> headers_;
  std::string body_;
  size_t pos_ = 0;
};

// The query parameters of a presigned URL that are credentials (SigV4, and
// SigV2's Signature), by name, case-insensitively.
bool is_secret_query_param(std::string_view name) {
  for (std::string_view secret : {"X-Amz-Signature", "X-Amz-Security-Token", "Signature"}) {
    if (std::equal(name.begin(), name.end(), secret.begin(), secret.end(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return true;
    }
  }
  return false;
}

milliseconds clamp_timeout(milliseconds configured, milliseconds override_value) {
  return override_value.count() > 0 ? std::min(configured, override_value) : configured;
}

}  // namespace

ClientCore::ClientCore(ClientConfig config, Credentials credentials,
                       std::unique_ptr<Transport> transport)
    : config_(std::move(config)),
      credentials_(std::move(credentials)),
      transport_(std::move(transport)),
      rng_(std::random_device{}()) {}

TransportRequest ClientCore::transport_request(const std::string& method,
                                               const SendOptions& options) const {
  TransportRequest treq;
  treq.method = method;
  treq.body = options.body;
  treq.connect_timeout = clamp_timeout(config_.connect_timeout, options.connect_timeout);
  treq.stall_timeout = clamp_timeout(
      std::chrono::duration_cast<milliseconds>(config_.stall_timeout), options.stall_timeout);
  treq.cancel = options.cancel;
  return treq;
}

Result<std::unique_ptr<ResponseStream>> ClientCore::send_in_region(const std::string& method,
                                                                   std::string_view bucket,
                                                                   std::string_view key,
                                                                   const SendOptions& options,
                                                                   const std::string& region) {
  auto target = make_target(config_, region, bucket, key);
  if (!target.ok()) return target.error();

  HttpRequest req;
  req.method = method;
  req.host = target->host;
  req.path = target->path;
  req.query = options.query;
  req.headers = options.headers;
  // GET and HEAD have no body: the hash of the empty string is as cheap as
  // UNSIGNED-PAYLOAD and lets strict servers verify it.
  req.payload_sha256 = crypto::sha256_hex(options.body);

  SigningParams params;
  params.region = region;
  params.time = config_.clock->now();

  TransportRequest treq = transport_request(method, options);
  treq.url = std::move(target->url);
  if (!options.query.empty()) treq.url.append("?").append(encode_query(options.query));
  treq.headers = sign_request(req, credentials_, params);
  auto response = transport_->open(treq);
  count_request(method, response);
  // The signed headers hold the session token: do not leave it in memory.
  if (auto it = treq.headers.find("x-amz-security-token"); it != treq.headers.end()) {
    secure_wipe(it->second);
  }
  return response;
}

Result<std::unique_ptr<ResponseStream>> ClientCore::send(const std::string& method,
                                                         std::string_view bucket,
                                                         std::string_view key,
                                                         const SendOptions& options) {
  const std::string region = region_for(bucket);
  auto response = send_in_region(method, bucket, key, options, region);
  if (!response.ok()) return response;
  ResponseStream& r = **response;
  const int status = r.status();
  if (status != 301 && status != 307 && status != 400) return response;
  std::string body = method == "HEAD" ? "" : read_small_body(r);
  if (auto hint = region_hint(status, r.headers(), body); hint && *hint != region) {
    {
      std::lock_guard lock(mu_);
      regions_[std::string(bucket)] = *hint;
    }
    return send_in_region(method, bucket, key, options, *hint);  // once: no loop
  }
  return std::unique_ptr<ResponseStream>(
      std::make_unique<BufferedResponse>(status, r.headers(), std::move(body)));
}

Result<std::unique_ptr<ResponseStream>> ClientCore::send_url(const std::string& method,
                                                             const PresignedUrl& url,
                                                             const SendOptions& options) {
  TransportRequest treq = transport_request(method, options);
  treq.url = url.url.reveal();
  treq.headers = options.headers;  // unsigned: the query carries the signature
  auto response = transport_->open(treq);
  count_request(method, response);
  secure_wipe(treq.url);
  return response;
}

std::string ClientCore::region_for(std::string_view bucket) const {
  std::lock_guard lock(mu_);
  auto it = regions_.find(bucket);
  return it == regions_.end() ? config_.region : it->second;
}

bool ClientCore::backoff(int failures, milliseconds at_most, const CancellationToken* cancel) {
  metrics::skillsync().s3_retries.inc();
  double unit;
  {
    std::lock_guard lock(mu_);
    unit = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
  }
  return sleep_unless_cancelled(
      std::min(backoff_delay(failures, config_.backoff_base, config_.backoff_cap, unit), at_most),
      cancel);
}

Error ClientCore::scrub(Error error) const {
  const std::string& secret = credentials_.secret_access_key.reveal();
  const std::string& token = credentials_.session_token.reveal();
  // Every secret, whatever its length: a short one is still a secret.
  redact_all(error.message, {secret, token});
  return error;
}

std::string read_small_body(ResponseStream& response, size_t limit) {
  std::string body;
  std::array<char, 8192> chunk;
  while (body.size() < limit) {
    auto n = response.read(chunk);
    if (!n.ok() || *n == 0) break;
    body.append(chunk.data(), std::min(*n, limit - body.size()));
  }
  return body;
}

Error after_attempts(Error error, int attempts) {
  if (attempts > 1) error.message += " (after " + std::to_string(attempts) + " attempts)";
  return error;
}

Error cancelled_error(std::string_view what) {
  return Error{"cancelled", std::string(what) + ": cancelled: the transfer was interrupted"};
}

Error deadline_error(std::string_view what, const Budget& budget, const Error& last,
                     std::string_view limit_name) {
  std::string message(what);
  message.append(": gave up after ")
      .append(std::to_string(budget.elapsed().count()))
      .append(" ms of retries (")
      .append(limit_name)
      .append(" ")
      .append(std::to_string(budget.limit().count()))
      .append(" ms); last error: ")
      .append(last.message);
  return Error{"timeout", std::move(message)};
}

Result<std::unique_ptr<ResponseStream>> GetTarget::send(ClientCore& core, const std::string& method,
                                                        const SendOptions& options) const {
  if (presigned) return core.send_url(method, *presigned, options);
  return core.send(method, object->bucket, object->key, options);
}

Error GetTarget::scrub(const ClientCore& core, Error error) const {
  // The URL first: redacting a credential inside it would hide the URL.
  if (!presigned) return core.scrub(std::move(error));
  const std::string& url = presigned->url.reveal();
  const size_t q = url.find('?');
  const std::string_view query = q == std::string::npos ? "" : std::string_view(url).substr(q + 1);
  redact_all(error.message, {url, query});
  // A server may echo single parameters: the secret ones (the signature,
  // the token) are redacted whatever their length; the others (the
  // algorithm, "host", the expiry) are no secrets and would blank out words.
  size_t pos = 0;
  while (pos < query.size()) {
    size_t end = query.find('&', pos);
    if (end == std::string_view::npos) end = query.size();
    const std::string_view param = query.substr(pos, end - pos);
    const size_t eq = param.find('=');
    if (eq != std::string_view::npos && is_secret_query_param(param.substr(0, eq))) {
      redact_all(error.message, {param.substr(eq + 1)});
    }
    pos = end + 1;
  }
  return core.scrub(std::move(error));
}

Result<std::unique_ptr<ResponseStream>> send_with_retries(
    ClientCore& core, const std::string& method, const GetTarget& target,
    const SendOptions& options, const Budget& budget, std::string_view limit_name) {
  const std::string what = "S3 " + method + " " + target.resource;
  SendOptions attempt_options = options;
  for (int attempt = 1;; ++attempt) {
    if (is_cancelled(options.cancel)) return cancelled_error(what);
    // No attempt may outlast the budget.
    attempt_options.connect_timeout = std::max(budget.remaining(), milliseconds(1));
    attempt_options.stall_timeout = attempt_options.connect_timeout;
    auto response = target.send(core, method, attempt_options);
    Error error;
    bool transient;
    if (!response.ok()) {
      error = response.error();
      error.message = what + ": " + error.code + ": " + error.message;
      transient = is_transient_error(response.error());
    } else {
      const int status = (*response)->status();
      if (status >= 200 && status < 300) return response;
      const std::string err_body = method == "HEAD" ? "" : read_small_body(**response);
      error = http_error(method, target.resource, status, err_body, (*response)->headers());
      transient = is_transient_status(status, error.code);
    }
    if (!transient || attempt >= core.config().max_attempts) {
      return target.scrub(core, after_attempts(std::move(error), attempt));
    }
    if (!budget.exhausted() && !core.backoff(attempt, budget.remaining(), options.cancel)) {
      return cancelled_error(what);
    }
    if (budget.exhausted()) {
      return target.scrub(core, deadline_error(what, budget, error, limit_name));
    }
  }
}

Result<std::unique_ptr<ResponseStream>> send_with_retries(ClientCore& core,
                                                          const std::string& method,
                                                          std::string_view bucket,
                                                          std::string_view key,
                                                          const SendOptions& options) {
  return send_with_retries(core, method,
                           GetTarget::for_object(S3Uri{std::string(bucket), std::string(key)}),
                           options, Budget(core.config().retry_deadline), "retry_deadline");
}

GetTarget GetTarget::for_object(const S3Uri& object) {
  GetTarget target;
  target.object = object;
  target.resource = resource_name(object.bucket, object.key);
  return target;
}

GetTarget GetTarget::for_url(const PresignedUrl& url) {
  GetTarget target;
  target.presigned = url;
  target.resource = url.redacted;
  return target;
}

ObjectInfo info_from_headers(const std::map<std::string, std::string>& headers) {
  ObjectInfo info;
  if (auto it = headers.find("content-length"); it != headers.end()) {
    if (auto size = parse_uint(it->second)) info.size = *size;
  }
  if (auto it = headers.find("etag"); it != headers.end()) info.etag = it->second;
  return info;
}

}  // namespace internal

S3Client::S3Client(ClientConfig config, Credentials credentials)
    : S3Client(std::move(config), std::move(credentials), make_curl_transport()) {}

S3Client::S3Client(ClientConfig config, Credentials credentials,
                   std::unique_ptr<Transport> transport)
    : impl_(std::make_unique<Impl>()) {
  impl_->core = std::make_shared<internal::ClientCore>(std::move(config), std::move(credentials),
                                                       std::move(transport));
}

S3Client::~S3Client() = default;

Result<ObjectInfo> S3Client::head_object(const S3Uri& object) {
  auto& core = *impl_->core;
  return internal::probe_object(core, internal::GetTarget::for_object(object),
                                internal::Budget(core.config().head_timeout), "head_timeout");
}

Result<std::unique_ptr<ObjectStream>> S3Client::get_object(const S3Uri& object, uint64_t offset,
                                                           std::string_view if_match,
                                                           const CancellationToken* cancel) {
  return internal::open_object(impl_->core, internal::GetTarget::for_object(object), offset,
                               if_match, cancel);
}

Result<std::unique_ptr<ObjectStream>> S3Client::get_presigned(const PresignedUrl& url,
                                                              uint64_t offset,
                                                              std::string_view if_match,
                                                              const CancellationToken* cancel) {
  return internal::open_object(impl_->core, internal::GetTarget::for_url(url), offset, if_match,
                               cancel);
}

Result<ObjectInfo> S3Client::head_presigned(const PresignedUrl& url) {
  auto& core = *impl_->core;
  return internal::probe_object(core, internal::GetTarget::for_url(url),
                                internal::Budget(core.config().head_timeout), "head_timeout");
}

Status S3Client::put_object(const S3Uri& object, std::string_view body) {
  internal::SendOptions options;
  options.body = body;
  auto response =
      internal::send_with_retries(*impl_->core, "PUT", object.bucket, object.key, options);
  if (!response.ok()) return response.error();
  internal::read_small_body(**response);
  return ok_status();
}

Status S3Client::create_bucket(const std::string& bucket) {
  const auto& config = impl_->core->config();
  std::string body;
  if (config.endpoint.empty() && config.region != "us-east-1") {
    // Outside us-east-1 AWS wants the region named in the body.
    body =
        "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        "<LocationConstraint>" +
        config.region + "</LocationConstraint></CreateBucketConfiguration>";
  }
  internal::SendOptions options;
  options.body = body;
  auto response = internal::send_with_retries(*impl_->core, "PUT", bucket, "", options);
  if (!response.ok()) return response.error();
  internal::read_small_body(**response);
  return ok_status();
}

std::string S3Client::bucket_region(std::string_view bucket) const {
  return impl_->core->region_for(bucket);
}

}  // namespace skillsync::source::s3
