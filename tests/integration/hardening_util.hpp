// Helpers of the hardening suites (hardening_*_test.cpp): raw HTTP over
// plain sockets (to send what a well-behaved client library would not), and
// what /proc says about the server process (its pid, memory, CPU time).
#pragma once

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "support/process.hpp"

namespace skillsync::it::raw {

// The port of a base URL "http://127.0.0.1:N".
inline int port_of(const std::string& base_url) {
  return std::atoi(base_url.substr(base_url.rfind(':') + 1).c_str());
}

// A connected TCP socket to 127.0.0.1:port, or -1. Sends and receives time
// out after `timeout` (so that a test never hangs on a server that stalls).
inline int connect_to(int port, std::chrono::seconds timeout = std::chrono::seconds(20)) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  timeval tv{static_cast<time_t>(timeout.count()), 0};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

inline bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Everything the server sends until it closes the connection (or the
// receive timeout passes: then `closed` is false). A reset counts as closed.
inline std::string read_until_close(int fd, bool* closed = nullptr) {
  std::string out;
  char buf[8192];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n > 0) {
      out.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (closed != nullptr) *closed = (n == 0 || errno == ECONNRESET);
    return out;
  }
}

// One response: its head and a body of its Content-Length; "" on failure.
inline std::string read_response(int fd) {
  std::string out;
  char buf[8192];
  for (;;) {
    auto end = out.find("\r\n\r\n");
    if (end != std::string::npos) {
      size_t length = 0;
      auto cl = out.find("Content-Length: ");
      if (cl != std::string::npos && cl < end) length = std::stoul(out.substr(cl + 16));
      if (out.size() >= end + 4 + length) return out;
    }
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

// The status code of a raw response ("HTTP/1.1 401 ..." -> 401), or 0.
inline int status_of(const std::string& response) {
  if (response.rfind("HTTP/1.", 0) != 0 || response.size() < 12) return 0;
  return std::atoi(response.substr(9, 3).c_str());
}

// How many responses a raw byte stream holds.
inline size_t count_responses(const std::string& stream) {
  size_t n = 0;
  for (auto at = stream.find("HTTP/1.1 "); at != std::string::npos;
       at = stream.find("HTTP/1.1 ", at + 1)) {
    ++n;
  }
  return n;
}

// The pid of the `skillsync serve` process using `data_dir`, or -1.
inline pid_t server_pid(const std::string& data_dir) {
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return -1;
  pid_t found = -1;
  while (dirent* e = ::readdir(proc)) {
    const pid_t pid = std::atoi(e->d_name);
    if (pid <= 0) continue;
    std::string cmdline = testsupport::read_file("/proc/" + std::to_string(pid) + "/cmdline");
    if (cmdline.find(std::string("--data-dir\0", 11) + data_dir + '\0') != std::string::npos &&
        cmdline.find(std::string("serve\0", 6)) != std::string::npos) {
      found = pid;
      break;
    }
  }
  ::closedir(proc);
  return found;
}

// A "VmRSS:"-style field of /proc/<pid>/status, in bytes (0 if absent).
inline size_t status_bytes(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) {
      return std::stoull(line.substr(field.size() + 1)) * 1024;  // "  1234 kB"
    }
  }
  return 0;
}

// User + system CPU time of a process, in clock ticks (/proc/<pid>/stat).
inline long cpu_ticks(pid_t pid) {
  std::string stat = testsupport::read_file("/proc/" + std::to_string(pid) + "/stat");
  auto close_paren = stat.rfind(')');
  if (close_paren == std::string::npos) return -1;
  std::istringstream in(stat.substr(close_paren + 2));
  std::string field;
  long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && in >> field; ++i) {
    if (i == 14) utime = std::stol(field);
    if (i == 15) stime = std::stol(field);
  }
  return utime + stime;
}

// Open file descriptors of a process.
inline size_t open_files(pid_t pid) {
  size_t n = 0;
  if (DIR* d = ::opendir(("/proc/" + std::to_string(pid) + "/fd").c_str())) {
    while (dirent* e = ::readdir(d)) n += e->d_name[0] != '.';
    ::closedir(d);
  }
  return n;
}

}  // namespace skillsync::it::raw
