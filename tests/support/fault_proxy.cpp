#include "support/fault_proxy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace skillsync::testsupport {
namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr int kPollMs = 20;  // how often loops look at the stop flag
constexpr size_t kMaxHead = 16 * 1024;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  // Closes with a TCP reset rather than an orderly FIN: what a crashed
  // server or a middlebox dropping the connection looks like.
  void reset() {
    if (fd_ < 0) return;
    linger l{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

sockaddr_in loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

// Sends all of `data`, waiting for the peer to read; false when the peer is
// gone or the proxy stops.
bool send_all(int fd, const char* data, size_t len, const std::atomic<bool>& stop) {
  while (len > 0) {
    pollfd p{fd, POLLOUT, 0};
    const int ready = ::poll(&p, 1, kPollMs);
    if (stop.load()) return false;
    if (ready <= 0) continue;
    const ssize_t n = ::send(fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
      return false;
    }
    data += n;
    len -= static_cast<size_t>(n);
  }
  return true;
}

// Reads until the end of a request head (or 5 s, or EOF).
std::string read_head(int fd, const std::atomic<bool>& stop) {
  std::string head;
  const auto until = SteadyClock::now() + std::chrono::seconds(5);
  char buf[4096];
  while (!stop.load() && SteadyClock::now() < until && head.find("\r\n\r\n") == std::string::npos &&
         head.size() < kMaxHead) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, kPollMs) <= 0) continue;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    head.append(buf, static_cast<size_t>(n));
  }
  return head.substr(0, head.find("\r\n\r\n"));
}

// The budget of a kThrottle connection: after_bytes at once, then
// bytes_per_second, in chunks of about a 50th of a second's worth so that the
// client sees a steady trickle rather than bursts and gaps.
class Throttle {
 public:
  static constexpr std::chrono::milliseconds kPause{5};

  explicit Throttle(const Fault& fault)
      : after_(fault.after_bytes),
        rate_(std::max<uint64_t>(fault.bytes_per_second, 1)),
        chunk_(std::max<uint64_t>(rate_ / 50, 1)) {}

  // How many of `want` bytes may be forwarded now, `forwarded` having been.
  size_t allowance(uint64_t forwarded, size_t want) {
    if (forwarded < after_)
      return static_cast<size_t>(std::min<uint64_t>(want, after_ - forwarded));
    const auto now = SteadyClock::now();
    if (!started_) {
      started_ = true;
      start_ = now;
    }
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - start_).count();
    const uint64_t budget = rate_ * static_cast<uint64_t>(ms) / 1000 + chunk_;
    const uint64_t used = forwarded - after_;
    if (used >= budget) return 0;
    return static_cast<size_t>(std::min<uint64_t>({want, budget - used, chunk_}));
  }

 private:
  uint64_t after_;
  uint64_t rate_;
  uint64_t chunk_;
  bool started_ = false;
  SteadyClock::time_point start_;
};

std::string slow_down_response() {
  const std::string body =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code>"
      "<Message>Please reduce your request rate.</Message>"
      "<RequestId>fault-proxy</RequestId></Error>";
  return "HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

}  // namespace

FaultProxy::FaultProxy(int upstream_port) : upstream_port_(upstream_port) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw std::runtime_error("FaultProxy: socket() failed");
  const int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr = loopback(0);
  socklen_t len = sizeof addr;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 64) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(listen_fd_);
    throw std::runtime_error(std::string("FaultProxy: cannot listen: ") + std::strerror(errno));
  }
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

FaultProxy::~FaultProxy() {
  stop_.store(true);
  acceptor_.join();
  std::vector<std::thread> workers;
  {
    std::lock_guard lock(mu_);
    workers.swap(workers_);
  }
  for (auto& t : workers) t.join();
  ::close(listen_fd_);
}

std::string FaultProxy::endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

void FaultProxy::script(const std::vector<Fault>& faults) {
  std::lock_guard lock(mu_);
  script_.insert(script_.end(), faults.begin(), faults.end());
}

void FaultProxy::clear_script() {
  std::lock_guard lock(mu_);
  script_.clear();
}

void FaultProxy::set_default(Fault fault) {
  std::lock_guard lock(mu_);
  default_ = fault;
}

int FaultProxy::connections() const {
  std::lock_guard lock(mu_);
  return static_cast<int>(heads_.size() - log_base_);
}

std::vector<std::string> FaultProxy::request_heads() const {
  std::lock_guard lock(mu_);
  return {heads_.begin() + static_cast<std::ptrdiff_t>(log_base_), heads_.end()};
}

std::vector<std::string> FaultProxy::response_status_lines() const {
  std::lock_guard lock(mu_);
  return {statuses_.begin() + static_cast<std::ptrdiff_t>(log_base_), statuses_.end()};
}

void FaultProxy::record_status(size_t index, std::string line) {
  std::lock_guard lock(mu_);
  statuses_[index] = std::move(line);
}

void FaultProxy::clear_log() {
  std::lock_guard lock(mu_);
  log_base_ = heads_.size();
}

void FaultProxy::record_head(size_t index, std::string head) {
  std::lock_guard lock(mu_);
  heads_[index] = std::move(head);
}

void FaultProxy::accept_loop() {
  while (!stop_.load()) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, kPollMs) <= 0) continue;
    const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    std::lock_guard lock(mu_);
    Fault fault = default_;
    if (!script_.empty()) {
      fault = script_.front();
      script_.pop_front();
    }
    const size_t index = heads_.size();
    heads_.emplace_back();
    statuses_.emplace_back();
    workers_.emplace_back([this, client, fault, index] { serve(client, fault, index); });
  }
}

void FaultProxy::serve(int client_fd, Fault fault, size_t index) {
  Fd client(client_fd);
  if (fault.kind == Fault::Kind::kRefuse) {
    client.reset();
    return;
  }
  if (fault.kind == Fault::Kind::kSlowDown) {
    record_head(index, read_head(client.get(), stop_));
    const std::string response = slow_down_response();
    send_all(client.get(), response.data(), response.size(), stop_);
    ::shutdown(client.get(), SHUT_WR);
    // Let the client read the answer before the socket goes (a close with
    // unread request bytes would reset it).
    char sink[4096];
    const auto until = SteadyClock::now() + std::chrono::seconds(1);
    while (!stop_.load() && SteadyClock::now() < until) {
      pollfd p{client.get(), POLLIN, 0};
      if (::poll(&p, 1, kPollMs) <= 0) continue;
      if (::recv(client.get(), sink, sizeof sink, 0) <= 0) break;
    }
    return;
  }

  Fd upstream(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr = loopback(upstream_port_);
  if (upstream.get() < 0 ||
      ::connect(upstream.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    client.reset();
    return;
  }
  std::string head;
  bool head_recorded = false;
  std::string status;  // the answer's first bytes, until its status line is whole
  bool status_recorded = false;
  uint64_t forwarded = 0;  // response bytes
  bool stall_done = false;
  SteadyClock::time_point stall_until{};  // also a throttle's pause until its next chunk
  Throttle throttle(fault);
  std::vector<char> buf(64 * 1024);
  while (!stop_.load()) {
    const bool stalling = SteadyClock::now() < stall_until;
    pollfd fds[2] = {{client.get(), POLLIN, 0}, {upstream.get(), short(stalling ? 0 : POLLIN), 0}};
    if (::poll(fds, 2, kPollMs) < 0 && errno != EINTR) break;
    if (fds[0].revents != 0) {
      const ssize_t n = ::recv(client.get(), buf.data(), buf.size(), 0);
      if (n <= 0) break;  // the client is gone (it gave up on a stall, say)
      if (!head_recorded) {
        head.append(buf.data(), static_cast<size_t>(n));
        if (const size_t end = head.find("\r\n\r\n");
            end != std::string::npos || head.size() > kMaxHead) {
          record_head(index, head.substr(0, end));
          head_recorded = true;
        }
      }
      if (!send_all(upstream.get(), buf.data(), static_cast<size_t>(n), stop_)) break;
    }
    if (stalling || fds[1].revents == 0) continue;
    size_t want = buf.size();
    if (fault.kind == Fault::Kind::kCut || (fault.kind == Fault::Kind::kStall && !stall_done)) {
      if (forwarded >= fault.after_bytes) {
        if (fault.kind == Fault::Kind::kCut) {
          const auto until = SteadyClock::now() + fault.stall;
          while (!stop_.load() && SteadyClock::now() < until) {
            std::this_thread::sleep_for(std::chrono::milliseconds(kPollMs));
          }
          client.reset();
          return;
        }
        stall_done = true;
        stall_until = SteadyClock::now() + fault.stall;
        stalls_begun_.fetch_add(1);
        continue;
      }
      want = static_cast<size_t>(std::min<uint64_t>(want, fault.after_bytes - forwarded));
    } else if (fault.kind == Fault::Kind::kThrottle) {
      want = throttle.allowance(forwarded, want);
      if (want == 0) {
        stall_until = SteadyClock::now() + Throttle::kPause;
        continue;
      }
    }
    const ssize_t n = ::recv(upstream.get(), buf.data(), want, 0);
    if (n <= 0) break;
    if (!status_recorded) {
      status.append(buf.data(), static_cast<size_t>(std::min<ssize_t>(n, 512)));
      if (const size_t end = status.find("\r\n");
          end != std::string::npos || status.size() >= 512) {
        record_status(index, status.substr(0, end));
        status_recorded = true;
      }
    }
    if (!send_all(client.get(), buf.data(), static_cast<size_t>(n), stop_)) break;
    forwarded += static_cast<uint64_t>(n);
    response_bytes_ += static_cast<uint64_t>(n);
  }
}

uint64_t FaultProxy::response_bytes() const { return response_bytes_.load(); }

}  // namespace skillsync::testsupport
