// Test support: temporary directories, free ports and child processes for
// tests that start real servers (S3rver, PostgreSQL, skillsync itself).
//
// These helpers throw std::runtime_error when the environment is broken (no
// node, a failed fork): that ends the test with a clear message, which is all
// a test can do about it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace skillsync::testsupport {

// A fresh directory under $TMPDIR (or /tmp), removed with its contents when
// the object is destroyed.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "skillsync-test-");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + name
  std::string file(const std::string& name) const;

 private:
  std::string path_;
};

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then
// released). Prefer letting a server bind port 0 itself when it can say
// which port it got: another process may take this one first.
int free_port();

// Whole contents of a file; empty if it cannot be read.
std::string read_file(const std::string& path);

// Polls `predicate` every `interval` until it is true (returns true) or
// `timeout` has passed (returns false).
bool wait_until(const std::function<bool()>& predicate, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval = std::chrono::milliseconds(20));

// A child process running argv (argv[0] is a path, not looked up in PATH)
// with the current environment plus `env` (which overrides). Its stdout and
// stderr go to <log_dir>/<name>.stdout and <log_dir>/<name>.stderr. The
// destructor kills it with SIGKILL (if still running) and reaps it.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
               const std::string& log_dir, const std::string& name = "child");
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  // False once the process has exited (and been reaped).
  bool running();
  // Sends `signal` if the process is still running.
  void kill(int signal);
  // Waits for the process to exit; returns its wait status (see waitpid).
  int wait();
  // Exit status if the process has exited, as from waitpid.
  std::optional<int> exit_status() const { return status_; }

  const std::string& stdout_path() const { return stdout_path_; }
  const std::string& stderr_path() const { return stderr_path_; }

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::string stdout_path_;
  std::string stderr_path_;
};

}  // namespace skillsync::testsupport
