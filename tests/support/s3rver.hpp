// S3rverProcess: a real S3 server (@20minutes/s3rver, started by
// tests/support/s3rver/launch.js under node) on 127.0.0.1 for one test or
// test suite. It checks SigV4 signatures with a random key pair made here,
// so a client signing with another secret gets 403 SignatureDoesNotMatch.
//
// Needs `npm install` run once in tests/support/s3rver; without it the
// constructor throws std::runtime_error saying so.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "support/process.hpp"

namespace skillsync::testsupport {

struct S3rverOptions {
  std::vector<std::string> buckets;  // created before the server answers
  // Non-empty: every signed request must carry (and sign) this
  // x-amz-security-token, else 400 InvalidToken.
  std::string session_token;
  // Refuse unsigned requests with 403 AccessDenied (S3rver accepts them).
  bool require_auth = false;
};

class S3rverProcess {
 public:
  // Starts the server and waits (up to 20 s) for it to listen.
  explicit S3rverProcess(S3rverOptions options = {});
  ~S3rverProcess();
  S3rverProcess(const S3rverProcess&) = delete;
  S3rverProcess& operator=(const S3rverProcess&) = delete;

  std::string endpoint() const;  // "http://127.0.0.1:PORT"
  int port() const { return port_; }
  const std::string& access_key_id() const { return access_key_id_; }
  const std::string& secret_access_key() const { return secret_access_key_; }
  const std::string& session_token() const { return options_.session_token; }
  // The server's stderr (its own logging is silenced; crashes land here).
  std::string log_path() const;
  const std::string& data_dir() const { return data_dir_; }
  pid_t pid() const { return process_->pid(); }

  // An outage: kills the server (SIGKILL); connections to it are refused.
  void kill();
  // Starts it again after kill(), on the same port, data directory, keys
  // and options (the objects are still there). Throws std::runtime_error
  // if it does not come back.
  void restart();

 private:
  // Starts the server on `port` (0: a free one) and waits until it listens.
  void launch(int port);

  S3rverOptions options_;
  TempDir dir_;
  std::string data_dir_;
  std::string access_key_id_;
  std::string secret_access_key_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> process_;
  int launches_ = 0;
};

}  // namespace skillsync::testsupport
