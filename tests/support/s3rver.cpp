#include "support/s3rver.hpp"

#include <signal.h>

#include <filesystem>
#include <regex>
#include <stdexcept>

#include "common/crypto.hpp"

#ifndef SKILLSYNC_NODE
#error "SKILLSYNC_NODE must be defined (tests/support/CMakeLists.txt)"
#endif
#ifndef SKILLSYNC_S3RVER_LAUNCHER
#error "SKILLSYNC_S3RVER_LAUNCHER must be defined (tests/support/CMakeLists.txt)"
#endif

namespace skillsync::testsupport {
namespace {

constexpr auto kStartTimeout = std::chrono::seconds(20);

std::string join(const std::vector<std::string>& items, char sep) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out.push_back(sep);
    out.append(item);
  }
  return out;
}

}  // namespace

S3rverProcess::S3rverProcess(S3rverOptions options)
    : options_(std::move(options)), dir_("skillsync-s3rver-") {
  const std::string node = SKILLSYNC_NODE;
  const std::string launcher = SKILLSYNC_S3RVER_LAUNCHER;
  if (node.empty() || node.ends_with("NOTFOUND") || !std::filesystem::exists(node)) {
    throw std::runtime_error("S3rverProcess: node was not found when configuring (install nodejs)");
  }
  const auto modules =
      std::filesystem::path(launcher).parent_path() / "node_modules" / "@20minutes" / "s3rver";
  if (!std::filesystem::exists(modules)) {
    throw std::runtime_error("S3rverProcess: " + modules.string() +
                             " is missing: run `npm install` in tests/support/s3rver");
  }

  data_dir_ = dir_.file("data");
  std::filesystem::create_directories(data_dir_);
  // Random per server, so a test cannot pass by knowing a fixed key.
  access_key_id_ = "AKIA" + crypto::hex(crypto::random_bytes(8));
  secret_access_key_ = crypto::base64url(crypto::random_bytes(30));

  launch(0);
}

void S3rverProcess::launch(int port) {
  const std::string node = SKILLSYNC_NODE;
  const std::string launcher = SKILLSYNC_S3RVER_LAUNCHER;
  std::map<std::string, std::string> env{
      {"S3RVER_PORT", std::to_string(port)},
      {"S3RVER_DIR", data_dir_},
      {"S3RVER_ACCESS_KEY_ID", access_key_id_},
      {"S3RVER_SECRET_KEY", secret_access_key_},
      {"S3RVER_BUCKETS", join(options_.buckets, ',')},
      {"S3RVER_SESSION_TOKEN", options_.session_token},
      {"S3RVER_REQUIRE_AUTH", options_.require_auth ? "1" : "0"},
  };
  // --openssl-legacy-provider: S3rver's paged listings need it on Node >= 17.
  process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{node, "--openssl-legacy-provider", launcher}, env, dir_.path(),
      ++launches_ == 1 ? std::string("s3rver") : "s3rver-" + std::to_string(launches_));

  static const std::regex kReady(R"(\{\s*"port"\s*:\s*(\d+)\s*\})");
  std::smatch match;
  std::string out;
  const bool ready = wait_until(
      [&] {
        out = read_file(process_->stdout_path());
        if (std::regex_search(out, match, kReady)) return true;
        return !process_->running();
      },
      kStartTimeout);
  if (ready && !match.empty()) {
    port_ = std::stoi(match[1].str());
    return;
  }
  const std::string why =
      process_->running() ? "did not report its port within 20 s" : "exited before it was ready";
  const std::string stdout_path = process_->stdout_path();
  const std::string stderr_path = process_->stderr_path();
  process_.reset();  // kill and reap before reading the logs
  throw std::runtime_error("S3rverProcess: S3rver " + why +
                           " (did you run `npm install` in tests/support/s3rver?)\nstdout:\n" +
                           read_file(stdout_path) + "\nstderr:\n" + read_file(stderr_path));
}

S3rverProcess::~S3rverProcess() { process_.reset(); }

std::string S3rverProcess::endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::string S3rverProcess::log_path() const { return process_->stderr_path(); }

void S3rverProcess::kill() {
  process_->kill(SIGKILL);
  process_->wait();
}

void S3rverProcess::restart() { launch(port_); }

}  // namespace skillsync::testsupport
