// bench_s3_put: uploads one local file to S3, streaming it from disk, for the
// end-to-end benchmarks (bench/run.sh, bench/memory_run.sh).
//
// Usage: bench_s3_put ENDPOINT s3://BUCKET/KEY FILE
// Environment (kept off the command line so they do not show in `ps`):
//   AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY   required
//   AWS_REGION                                 optional, default us-east-1
//
// One PUT whose body libcurl reads from the file as it sends it, so the
// tool's memory does not grow with the file (memory_run.sh uploads 5 GiB).
// The request is signed with skillsync's own SigV4 signer (source/s3) with
// x-amz-content-sha256: UNSIGNED-PAYLOAD, which S3 and the test server
// (s3rver) accept for PUT; hashing the body first would read the file twice.
// Path-style addressing against ENDPOINT, as S3Client does with an endpoint.
// Afterwards a HEAD (S3Client) checks that the object has the file's size.
// S3 itself takes at most 5 GiB in one PUT; the test server has no limit.
#include <curl/curl.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "common/time.hpp"
#include "source/s3/s3.hpp"

namespace s3 = skillsync::source::s3;

namespace {

const char* env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return (v != nullptr && *v != '\0') ? v : fallback;
}

size_t keep_body(char* data, size_t size, size_t n, void* out) {
  auto* body = static_cast<std::string*>(out);
  if (body->size() < 4096) body->append(data, size * n);  // an error document at most
  return size * n;
}

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};
struct CurlCleanup {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistFree {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

// PUTs `size` bytes of `file` to `object`. Returns an error message, or ""
// on success.
std::string put_streaming(const std::string& endpoint, const std::string& region,
                          const s3::Credentials& creds, const s3::S3Uri& object, FILE* file,
                          uint64_t size) {
  std::string base = endpoint;
  while (!base.empty() && base.back() == '/') base.pop_back();
  const size_t scheme = base.find("://");
  if (scheme == std::string::npos) return "ENDPOINT must be http(s)://host[:port]";

  s3::HttpRequest req;
  req.method = "PUT";
  req.host = base.substr(scheme + 3);
  req.path = "/" + object.bucket + "/" + object.key;  // raw: the signer encodes it once
  req.payload_sha256 = "UNSIGNED-PAYLOAD";
  s3::SigningParams params;
  params.region = region;
  params.time = skillsync::SystemClock::instance().now();
  const auto signed_headers = s3::sign_request(req, creds, params);

  std::unique_ptr<curl_slist, SlistFree> headers;
  curl_slist* list = nullptr;
  for (const auto& [name, value] : signed_headers) {
    list = curl_slist_append(list, (name + ": " + value).c_str());
  }
  list = curl_slist_append(list, "Expect:");  // no 100-continue round trip
  headers.reset(list);

  std::unique_ptr<CURL, CurlCleanup> curl(curl_easy_init());
  if (!curl) return "curl_easy_init failed";
  const std::string url = base + s3::uri_encode(req.path, /*encode_slash=*/false);
  std::string body;
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_READDATA, file);  // the default read callback: fread
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(size));
  curl_easy_setopt(c, CURLOPT_UPLOAD_BUFFERSIZE, 1L << 20);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  const CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) return curl_easy_strerror(rc);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (status != 200) return "HTTP " + std::to_string(status) + ": " + body;
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s ENDPOINT s3://BUCKET/KEY FILE\n", argv[0]);
    return 2;
  }
  const char* key_id = env_or("AWS_ACCESS_KEY_ID", nullptr);
  const char* secret = env_or("AWS_SECRET_ACCESS_KEY", nullptr);
  if (key_id == nullptr || secret == nullptr) {
    std::fprintf(stderr, "bench_s3_put: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY\n");
    return 2;
  }
  auto uri = s3::parse_s3_uri(argv[2]);
  if (!uri.ok()) {
    std::fprintf(stderr, "bench_s3_put: %s\n", uri.error().message.c_str());
    return 2;
  }

  std::unique_ptr<FILE, FileCloser> file(std::fopen(argv[3], "rb"));
  struct stat st {};
  if (!file || fstat(fileno(file.get()), &st) != 0 || !S_ISREG(st.st_mode)) {
    std::fprintf(stderr, "bench_s3_put: cannot open %s as a regular file\n", argv[3]);
    return 1;
  }
  const auto size = static_cast<uint64_t>(st.st_size);

  s3::ClientConfig config;
  config.endpoint = argv[1];
  config.region = env_or("AWS_REGION", "us-east-1");
  s3::Credentials creds;
  creds.access_key_id = key_id;
  creds.secret_access_key = skillsync::SecretString(secret);

  curl_global_init(CURL_GLOBAL_DEFAULT);
  const std::string failed =
      put_streaming(config.endpoint, config.region, creds, *uri, file.get(), size);
  if (!failed.empty()) {
    std::fprintf(stderr, "bench_s3_put: PUT %s failed: %s\n", argv[2], failed.c_str());
    return 1;
  }
  if (std::ferror(file.get())) {
    std::fprintf(stderr, "bench_s3_put: cannot read %s\n", argv[3]);
    return 1;
  }

  s3::S3Client client(config, std::move(creds));
  auto info = client.head_object(*uri);
  if (!info.ok()) {
    std::fprintf(stderr, "bench_s3_put: HEAD %s failed: %s: %s\n", argv[2],
                 info.error().code.c_str(), info.error().message.c_str());
    return 1;
  }
  if (info->size != size) {
    std::fprintf(stderr, "bench_s3_put: %s has %llu bytes after upload, expected %llu\n", argv[2],
                 static_cast<unsigned long long>(info->size),
                 static_cast<unsigned long long>(size));
    return 1;
  }
  std::printf("uploaded %llu bytes to %s\n", static_cast<unsigned long long>(size), argv[2]);
  return 0;
}
