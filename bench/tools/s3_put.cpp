// bench_s3_put: uploads one local file to S3 with skillsync's own S3 client
// (source/s3), for the end-to-end benchmark (bench/run.sh).
//
// Usage: bench_s3_put ENDPOINT s3://BUCKET/KEY FILE
// Environment (kept off the command line so they do not show in `ps`):
//   AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY   required
//   AWS_REGION                                 optional, default us-east-1
//
// The whole file is read into memory and sent as one PUT: fine for the
// benchmark's tens of megabytes, and it keeps the tool trivial.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include "source/s3/s3.hpp"

namespace s3 = skillsync::source::s3;

namespace {

const char* env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return (v != nullptr && *v != '\0') ? v : fallback;
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

  std::ifstream in(argv[3], std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "bench_s3_put: cannot open %s\n", argv[3]);
    return 1;
  }
  const std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) {
    std::fprintf(stderr, "bench_s3_put: cannot read %s\n", argv[3]);
    return 1;
  }

  s3::ClientConfig config;
  config.endpoint = argv[1];
  config.region = env_or("AWS_REGION", "us-east-1");
  s3::Credentials creds;
  creds.access_key_id = key_id;
  creds.secret_access_key = skillsync::SecretString(secret);
  s3::S3Client client(config, std::move(creds));

  if (auto st = client.put_object(*uri, body); !st.ok()) {
    std::fprintf(stderr, "bench_s3_put: PUT %s failed: %s: %s\n", argv[2], st.error().code.c_str(),
                 st.error().message.c_str());
    return 1;
  }
  auto info = client.head_object(*uri);
  if (!info.ok()) {
    std::fprintf(stderr, "bench_s3_put: HEAD %s failed: %s: %s\n", argv[2],
                 info.error().code.c_str(), info.error().message.c_str());
    return 1;
  }
  if (info->size != body.size()) {
    std::fprintf(stderr, "bench_s3_put: %s has %llu bytes after upload, expected %zu\n", argv[2],
                 static_cast<unsigned long long>(info->size), body.size());
    return 1;
  }
  std::printf("uploaded %zu bytes to %s\n", body.size(), argv[2]);
  return 0;
}
