// S3Client: HEAD / PUT / create bucket with retries; GET lives in
// object_stream.cpp.
#include <array>
#include <thread>

#include "common/crypto.hpp"
#include "source/s3/client_core.hpp"
#include "source/s3/s3.hpp"
#include "source/s3/s3_internal.hpp"

namespace skillsync::source::s3 {
namespace internal {

ClientCore::ClientCore(ClientConfig config, Credentials credentials,
                       std::unique_ptr<Transport> transport)
    : config_(std::move(config)),
      credentials_(std::move(credentials)),
      transport_(std::move(transport)),
      rng_(std::random_device{}()) {}

Result<std::unique_ptr<ResponseStream>> ClientCore::send(
    const std::string& method, std::string_view bucket, std::string_view key,
    const std::map<std::string, std::string>& headers, std::string_view body) {
  auto target = make_target(config_, bucket, key);
  if (!target.ok()) return target.error();

  HttpRequest req;
  req.method = method;
  req.host = target->host;
  req.path = target->path;
  req.headers = headers;
  // GET and HEAD have no body: the hash of the empty string is as cheap as
  // UNSIGNED-PAYLOAD and lets strict servers verify it.
  req.payload_sha256 = crypto::sha256_hex(body);

  SigningParams params;
  params.region = config_.region;
  params.time = config_.clock->now();

  TransportRequest treq;
  treq.method = method;
  treq.url = std::move(target->url);
  treq.headers = sign_request(req, credentials_, params);
  treq.body = body;
  treq.connect_timeout = config_.connect_timeout;
  treq.stall_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(config_.stall_timeout);
  auto response = transport_->open(treq);
  // The signed headers hold the session token: do not leave it in memory.
  if (auto it = treq.headers.find("x-amz-security-token"); it != treq.headers.end()) {
    secure_wipe(it->second);
  }
  return response;
}

void ClientCore::backoff(int failures) {
  double unit;
  {
    std::lock_guard lock(rng_mu_);
    unit = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
  }
  std::this_thread::sleep_for(
      backoff_delay(failures, config_.backoff_base, config_.backoff_cap, unit));
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

namespace {

// One request with retries for transient failures; success is a 2xx answer.
Result<std::unique_ptr<ResponseStream>> send_with_retries(ClientCore& core,
                                                          const std::string& method,
                                                          std::string_view bucket,
                                                          std::string_view key,
                                                          std::string_view body) {
  const std::string resource = resource_name(bucket, key);
  for (int attempt = 1;; ++attempt) {
    auto response = core.send(method, bucket, key, {}, body);
    Error error;
    bool transient;
    if (!response.ok()) {
      error = response.error();
      error.message = "S3 " + method + " " + resource + ": " + error.code + ": " + error.message;
      transient = is_transient_error(response.error());
    } else {
      const int status = (*response)->status();
      if (status >= 200 && status < 300) return response;
      const std::string err_body = method == "HEAD" ? "" : read_small_body(**response);
      error = http_error(method, resource, status, err_body, (*response)->headers());
      transient = is_transient_status(status, error.code);
    }
    if (!transient || attempt >= core.config().max_attempts) {
      return after_attempts(std::move(error), attempt);
    }
    core.backoff(attempt);
  }
}

}  // namespace
}  // namespace internal

struct S3Client::Impl {
  std::shared_ptr<internal::ClientCore> core;
};

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
  auto response = internal::send_with_retries(*impl_->core, "HEAD", object.bucket, object.key, "");
  if (!response.ok()) return response.error();
  const auto& headers = (*response)->headers();
  ObjectInfo info;
  if (auto it = headers.find("content-length"); it != headers.end()) {
    if (auto size = internal::parse_uint(it->second)) info.size = *size;
  }
  if (auto it = headers.find("etag"); it != headers.end()) info.etag = it->second;
  return info;
}

Result<std::unique_ptr<ObjectStream>> S3Client::get_object(const S3Uri& object, uint64_t offset) {
  return internal::open_object(impl_->core, object, offset);
}

Status S3Client::put_object(const S3Uri& object, std::string_view body) {
  auto response = internal::send_with_retries(*impl_->core, "PUT", object.bucket, object.key, body);
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
  auto response = internal::send_with_retries(*impl_->core, "PUT", bucket, "", body);
  if (!response.ok()) return response.error();
  internal::read_small_body(**response);
  return ok_status();
}

}  // namespace skillsync::source::s3
