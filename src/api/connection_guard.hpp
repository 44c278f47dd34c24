// ConnectionGuard: what one client (or all of them together) may hold of the
// HTTP server before it has authenticated: connections per client address,
// and request-body memory in flight across all connections. Plus the request
// framing check that keeps a body from being read as the next request.
//
// Thread-safe; one per HttpServer. Contracts:
// - admit(addr) succeeds while `addr` holds fewer than the per-client cap;
//   every successful admit is paired with one release(addr).
// - reserve_body(n) succeeds while the bodies reserved and not yet released
//   stay within the memory cap; the reservation is released when the returned
//   BodyReservation is destroyed (or reset).
#pragma once

#include <atomic>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace skillsync::api {

class ConnectionGuard;

// Holds `bytes` of the body-memory budget until destroyed. Movable.
class BodyReservation {
 public:
  BodyReservation() = default;
  BodyReservation(BodyReservation&& o) noexcept : guard_(o.guard_), bytes_(o.bytes_) {
    o.guard_ = nullptr;
  }
  BodyReservation& operator=(BodyReservation&& o) noexcept;
  BodyReservation(const BodyReservation&) = delete;
  BodyReservation& operator=(const BodyReservation&) = delete;
  ~BodyReservation() { reset(); }
  explicit operator bool() const { return guard_ != nullptr; }
  void reset();

 private:
  friend class ConnectionGuard;
  BodyReservation(ConnectionGuard* g, size_t bytes) : guard_(g), bytes_(bytes) {}
  ConnectionGuard* guard_ = nullptr;
  size_t bytes_ = 0;
};

class ConnectionGuard {
 public:
  ConnectionGuard(size_t max_per_client, size_t max_body_memory)
      : max_per_client_(max_per_client), max_body_memory_(max_body_memory) {}

  bool admit(const std::string& addr);
  void release(const std::string& addr);
  size_t connections_of(const std::string& addr) const;

  // An empty reservation when `bytes` more would pass the memory cap.
  BodyReservation reserve_body(size_t bytes);
  size_t body_memory_in_use() const { return body_in_use_.load(); }

 private:
  friend class BodyReservation;
  const size_t max_per_client_;
  const size_t max_body_memory_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, size_t> per_client_;
  std::atomic<size_t> body_in_use_{0};
};

// RFC 9112 section 6.3: the server implements only the `chunked` transfer
// coding. True when a request may be read: no Transfer-Encoding at all, or
// exactly "chunked" (case-insensitive, surrounding spaces allowed) without a
// Content-Length. `transfer_encoding` is every Transfer-Encoding field value
// joined with ", "; `has_transfer_encoding` says whether any was present.
bool framing_supported(bool has_transfer_encoding, std::string_view transfer_encoding,
                       bool has_content_length);

}  // namespace skillsync::api
