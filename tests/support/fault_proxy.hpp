// FaultProxy: a TCP proxy on 127.0.0.1 that forwards to a real server (the
// S3 server of the tests) and injects network faults, one fault per
// accepted connection, from a script:
//   pass       forward both ways untouched
//   cut        forward the first N response bytes, then reset both sides
//              (after a pause, if given: time for a test to act first)
//   stall      forward N response bytes, forward nothing for T, then resume
//   refuse     accept and reset at once (the client sees a reset, no answer)
//   slow_down  read the request and answer it with "503 SlowDown" (an S3 XML
//              error) instead of forwarding it
//   throttle   forward N response bytes at full speed, then at most R bytes
//              per second (a slow network: the client keeps receiving, so
//              no stall timeout fires, but a load takes as long as a test
//              needs to act in the middle of it)
// Connections beyond the script get the default fault (pass unless set).
// Each connection carries one request for S3Client (one easy handle per
// request), so "the first K connections" are "the first K requests".
//
// It also records the head (request line and headers) of the first request
// on each connection, so that tests can see the Range and If-Match headers
// of resumed GETs, and the status line of the first answer (a 412, say). Thread safe; the
// destructor stops every thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace skillsync::testsupport {

struct Fault {
  enum class Kind { kPass, kCut, kStall, kRefuse, kSlowDown, kThrottle };
  Kind kind = Kind::kPass;
  uint64_t after_bytes = 0;            // kCut, kStall, kThrottle: response bytes forwarded first
  std::chrono::milliseconds stall{0};  // kStall: how long nothing is forwarded; kCut: the
                                       // pause between the N bytes and the reset
  uint64_t bytes_per_second = 0;       // kThrottle: the rate after after_bytes (> 0)

  static Fault pass() { return {}; }
  static Fault cut(uint64_t after) { return {Kind::kCut, after, {}}; }
  static Fault cut_after_pause(uint64_t after, std::chrono::milliseconds pause) {
    return {Kind::kCut, after, pause};
  }
  static Fault stall_for(uint64_t after, std::chrono::milliseconds t) {
    return {Kind::kStall, after, t};
  }
  static Fault refuse() { return {Kind::kRefuse, 0, {}}; }
  static Fault slow_down() { return {Kind::kSlowDown, 0, {}}; }
  // REQUIRES: bytes_per_second > 0
  static Fault throttle(uint64_t bytes_per_second, uint64_t after = 0) {
    return {Kind::kThrottle, after, {}, bytes_per_second};
  }
};

class FaultProxy {
 public:
  // Listens on 127.0.0.1 (a port the kernel picks) and forwards to
  // 127.0.0.1:upstream_port. Throws std::runtime_error if it cannot listen.
  explicit FaultProxy(int upstream_port);
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  int port() const { return port_; }
  std::string endpoint() const;  // "http://127.0.0.1:PORT"

  // Appends faults for the next connections, one each, in order.
  void script(const std::vector<Fault>& faults);
  // Drops the faults of the script not used yet.
  void clear_script();
  // The fault of connections beyond the script.
  void set_default(Fault fault);

  // Connections accepted so far.
  int connections() const;
  // Stalls begun so far (connections of kind stall that have forwarded their
  // N bytes and now forward nothing): the moment a client waits on a stall.
  int stalls_begun() const { return stalls_begun_.load(); }
  // The first request head of each connection so far, in accept order
  // ("" when none came: a refused connection). Header names as sent.
  std::vector<std::string> request_heads() const;
  // The status line of the answer on each connection so far, in accept
  // order ("HTTP/1.1 412 Precondition Failed"; "" when none came through).
  std::vector<std::string> response_status_lines() const;
  // Forgets the counts, heads and status lines (not the script).
  void clear_log();
  // Response bytes forwarded to clients so far, all connections (never reset).
  uint64_t response_bytes() const;

 private:
  void accept_loop();
  void serve(int client, Fault fault, size_t index);
  void record_head(size_t index, std::string head);
  void record_status(size_t index, std::string line);

  int upstream_port_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> stalls_begun_{0};
  std::atomic<uint64_t> response_bytes_{0};
  mutable std::mutex mu_;
  std::deque<Fault> script_;
  Fault default_;
  std::vector<std::string> heads_;     // one per connection ever accepted
  std::vector<std::string> statuses_;  // its answer's status line, likewise
  size_t log_base_ = 0;                // heads_ before this index were cleared
  std::vector<std::thread> workers_;
  std::thread acceptor_;
};

}  // namespace skillsync::testsupport
