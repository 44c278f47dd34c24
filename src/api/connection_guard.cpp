// ConnectionGuard and the framing check: see connection_guard.hpp.
#include "api/connection_guard.hpp"

#include <cctype>

namespace skillsync::api {

BodyReservation& BodyReservation::operator=(BodyReservation&& o) noexcept {
  if (this != &o) {
    reset();
    guard_ = o.guard_;
    bytes_ = o.bytes_;
    o.guard_ = nullptr;
  }
  return *this;
}

void BodyReservation::reset() {
  if (guard_ != nullptr) guard_->body_in_use_ -= bytes_;
  guard_ = nullptr;
  bytes_ = 0;
}

bool ConnectionGuard::admit(const std::string& addr) {
  std::lock_guard lock(mu_);
  size_t& n = per_client_[addr];
  if (n >= max_per_client_) {
    if (n == 0) per_client_.erase(addr);
    return false;
  }
  ++n;
  return true;
}

void ConnectionGuard::release(const std::string& addr) {
  std::lock_guard lock(mu_);
  auto it = per_client_.find(addr);
  if (it == per_client_.end()) return;
  if (--it->second == 0) per_client_.erase(it);
}

size_t ConnectionGuard::connections_of(const std::string& addr) const {
  std::lock_guard lock(mu_);
  auto it = per_client_.find(addr);
  return it == per_client_.end() ? 0 : it->second;
}

BodyReservation ConnectionGuard::reserve_body(size_t bytes) {
  size_t used = body_in_use_.load();
  do {
    if (bytes > max_body_memory_ || used > max_body_memory_ - bytes) return {};
  } while (!body_in_use_.compare_exchange_weak(used, used + bytes));
  return BodyReservation(this, bytes);
}

bool framing_supported(bool has_transfer_encoding, std::string_view te, bool has_content_length) {
  if (!has_transfer_encoding) return true;
  if (has_content_length) return false;
  while (!te.empty() && (te.front() == ' ' || te.front() == '\t')) te.remove_prefix(1);
  while (!te.empty() && (te.back() == ' ' || te.back() == '\t')) te.remove_suffix(1);
  constexpr std::string_view kChunked = "chunked";
  if (te.size() != kChunked.size()) return false;
  for (size_t i = 0; i < te.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(te[i])) != kChunked[i]) return false;
  }
  return true;
}

}  // namespace skillsync::api
