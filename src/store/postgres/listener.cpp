#include "store/postgres/listener.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "common/log.hpp"

namespace skillsync::store::postgres {
namespace {

constexpr int kMinBackoffMs = 100;
constexpr int kMaxBackoffMs = 5000;

}  // namespace

void TaskListener::set(std::function<void()> callback) {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) {
    const char byte = 1;
    // The pipe is empty (one byte per stop): this cannot block or fail.
    [[maybe_unused]] ssize_t n = ::write(wake_write_, &byte, 1);
    thread_.join();
    ::close(wake_read_);
    ::close(wake_write_);
    wake_read_ = wake_write_ = -1;
  }
  if (!callback) return;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    spdlog::error("task listener: cannot create a pipe; workers fall back to polling");
    return;
  }
  wake_read_ = fds[0];
  wake_write_ = fds[1];
  thread_ = std::thread([this, cb = std::move(callback), fd = wake_read_] { run(cb, fd); });
}

bool TaskListener::stop_requested(int wake_fd, int ms) {
  pollfd p{wake_fd, POLLIN, 0};
  return ::poll(&p, 1, ms) > 0;
}

void TaskListener::run(const std::function<void()>& callback, int wake_fd) {
  int backoff = kMinBackoffMs;
  bool reconnecting = false;
  for (;;) {
    auto conn = PgConn::connect(pool_.conninfo(), pool_.password());
    Status listening = conn.ok() ? conn->exec_script("LISTEN skillsync_tasks") : conn.error();
    if (!listening.ok()) {
      spdlog::warn("task listener: {}; retrying in {} ms", listening.error().message, backoff);
      if (stop_requested(wake_fd, backoff)) return;
      backoff = std::min(backoff * 2, kMaxBackoffMs);
      reconnecting = true;
      continue;
    }
    backoff = kMinBackoffMs;
    // Whatever was notified while we were away is lost: look once.
    if (reconnecting) callback();
    reconnecting = true;
    PGconn* c = conn->get();
    for (;;) {
      // Drained before waiting: a notification may already be buffered
      // (e.g. one that arrived with the LISTEN's reply).
      bool notified = false;
      while (PGnotify* note = PQnotifies(c)) {
        notified = true;
        PQfreemem(note);
      }
      if (notified) callback();
      pollfd fds[2] = {{PQsocket(c), POLLIN, 0}, {wake_fd, POLLIN, 0}};
      const int n = ::poll(fds, 2, 1000);
      if (n < 0 && errno != EINTR) break;
      if (fds[1].revents != 0) return;
      if (n <= 0 || fds[0].revents == 0) continue;
      if (PQconsumeInput(c) == 0) break;  // the connection is gone
    }
    spdlog::warn("task listener: lost its PostgreSQL connection; reconnecting");
    if (stop_requested(wake_fd, backoff)) return;
  }
}

}  // namespace skillsync::store::postgres
