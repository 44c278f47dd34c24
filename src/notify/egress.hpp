// notify/egress: the SSRF guard for webhook deliveries.
//
// Rules (docs/security.md, "Webhooks"):
// - The URL must be https, with a host, no user info and no fragment. Plain
//   http is accepted only for a host the operator allows.
// - The host's addresses must all be public: loopback, link-local (cloud
//   metadata 169.254.169.254 included), private (RFC 1918, IPv6 ULA),
//   CGNAT (100.64/10), multicast, unspecified, reserved, benchmarking and
//   the IPv6 forms embedding such an IPv4 address (v4-mapped, v4-compatible,
//   NAT64) are refused.
// - Unless the operator lists host[:port] with --webhook-allow-host: then
//   any address and plain http are accepted for it.
// The check runs at registration and again before every delivery, on the
// addresses the delivery then connects to (pinned), so a DNS answer that
// changes in between (rebinding) cannot redirect a delivery inside.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace skillsync::notify {

struct AllowedHost {
  std::string host;              // lower-case; an IPv6 literal without brackets
  std::optional<uint16_t> port;  // absent: every port
};

// Parses "HOST[:PORT]" ("[v6]:PORT" for IPv6); "invalid_argument" otherwise.
Result<AllowedHost> parse_allowed_host(std::string_view text);

struct Target {
  std::string scheme;  // "https" or "http"
  std::string host;    // lower-case; an IPv6 literal without brackets
  uint16_t port = 443;
  bool allowed = false;  // the operator allows this host:port
};

class EgressPolicy {
 public:
  EgressPolicy() = default;
  explicit EgressPolicy(std::vector<AllowedHost> allowed) : allowed_(std::move(allowed)) {}
  bool allows(std::string_view host, uint16_t port) const;

  // The URL's form (see the file comment); "invalid_url" or "forbidden_url".
  Result<Target> parse(std::string_view url) const;

 private:
  std::vector<AllowedHost> allowed_;
};

// True when a numeric address (IPv4 dotted or IPv6 text) is one the guard
// refuses; also true for text that is not an address.
bool is_forbidden_address(std::string_view address);

// Resolves a host to numeric addresses ("resolve_failed" when none).
using Resolver = std::function<Result<std::vector<std::string>>(const std::string& host)>;
Resolver system_resolver();

// The addresses a delivery to `target` may connect to: all of the host's
// addresses (an address literal is its own, unresolved), refused ("forbidden_address") if any is
// forbidden, unless the target is allowed.
Result<std::vector<std::string>> vet_addresses(const Target& target, const Resolver& resolve);

}  // namespace skillsync::notify
