// ClientCore and GetTarget (client_core.hpp): addressing, signing, region
// redirects, backoff and scrubbing, for one request at a time. Retries are
// retry.cpp's; the S3Client methods are client.cpp's.
#include "source/s3/client_core.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "common/crypto.hpp"
#include "metrics/skillsync_metrics.hpp"
#include "source/s3/s3_internal.hpp"

namespace skillsync::source::s3::internal {
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
  SKILLSYNC_ASSIGN_OR_RETURN(Target target, make_target(config_, region, bucket, key));

  HttpRequest req;
  req.method = method;
  req.host = target.host;
  req.path = target.path;
  req.query = options.query;
  req.headers = options.headers;
  // GET and HEAD have no body: the hash of the empty string is as cheap as
  // UNSIGNED-PAYLOAD and lets strict servers verify it.
  req.payload_sha256 = crypto::sha256_hex(options.body);

  SigningParams params;
  params.region = region;
  params.time = config_.clock->now();

  TransportRequest treq = transport_request(method, options);
  treq.url = std::move(target.url);
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

}  // namespace skillsync::source::s3::internal
