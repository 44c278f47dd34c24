// The SSRF guard (egress.hpp): URL form, address classes, resolution.
#include "notify/egress.hpp"

#include <arpa/inet.h>
#include <netdb.h>

#include <algorithm>
#include <array>
#include <boost/url/parse.hpp>
#include <cctype>
#include <charconv>
#include <cstring>

namespace skillsync::notify {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string strip_brackets(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return lower(host);
}

bool in_v4(uint32_t a, uint32_t net, int bits) {
  const uint32_t mask = bits == 0 ? 0 : ~uint32_t{0} << (32 - bits);
  return (a & mask) == (net & mask);
}

constexpr uint32_t v4(int a, int b, int c, int d) {
  return (uint32_t(a) << 24) | (uint32_t(b) << 16) | (uint32_t(c) << 8) | uint32_t(d);
}

bool forbidden_v4(uint32_t a) {
  struct Net {
    uint32_t net;
    int bits;
  };
  static constexpr std::array<Net, 15> kNets = {{
      {v4(0, 0, 0, 0), 8},        // "this network", unspecified
      {v4(10, 0, 0, 0), 8},       // private
      {v4(100, 64, 0, 0), 10},    // CGNAT
      {v4(127, 0, 0, 0), 8},      // loopback
      {v4(169, 254, 0, 0), 16},   // link-local, cloud metadata
      {v4(172, 16, 0, 0), 12},    // private
      {v4(192, 0, 0, 0), 24},     // IETF protocol assignments
      {v4(192, 0, 2, 0), 24},     // documentation
      {v4(192, 88, 99, 0), 24},   // 6to4 relay
      {v4(192, 168, 0, 0), 16},   // private
      {v4(198, 18, 0, 0), 15},    // benchmarking
      {v4(198, 51, 100, 0), 24},  // documentation
      {v4(203, 0, 113, 0), 24},   // documentation
      {v4(224, 0, 0, 0), 4},      // multicast
      {v4(240, 0, 0, 0), 4},      // reserved, broadcast
  }};
  return std::any_of(kNets.begin(), kNets.end(),
                     [&](const Net& n) { return in_v4(a, n.net, n.bits); });
}

uint32_t v4_at(const unsigned char* b) {
  return (uint32_t(b[0]) << 24) | (uint32_t(b[1]) << 16) | (uint32_t(b[2]) << 8) | uint32_t(b[3]);
}

bool forbidden_v6(const unsigned char* b) {
  static constexpr unsigned char kZero[16] = {};
  const bool first80_zero = std::memcmp(b, kZero, 10) == 0;
  // ::ffff:a.b.c.d (v4-mapped): the IPv4 rules decide.
  if (first80_zero && b[10] == 0xff && b[11] == 0xff) return forbidden_v4(v4_at(b + 12));
  // ::/96: unspecified, loopback, deprecated v4-compatible.
  if (first80_zero && b[10] == 0 && b[11] == 0) return true;
  // 64:ff9b::/96 (NAT64): the embedded IPv4 decides.
  static constexpr unsigned char kNat64[12] = {0, 0x64, 0xff, 0x9b};
  if (std::memcmp(b, kNat64, 12) == 0) return forbidden_v4(v4_at(b + 12));
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return true;  // fe80::/10 link-local
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return true;  // fec0::/10 site-local
  if ((b[0] & 0xfe) == 0xfc) return true;                  // fc00::/7 unique local
  if (b[0] == 0xff) return true;                           // ff00::/8 multicast
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return true;  // docs
  if (b[0] == 0x20 && b[1] == 0x02) return true;  // 6to4 (embeds any IPv4)
  return false;
}

}  // namespace

Result<AllowedHost> parse_allowed_host(std::string_view text) {
  AllowedHost out;
  std::string_view host = text;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) {
      return Error{"invalid_argument", "unclosed [ in allowed host " + std::string(text)};
    }
    host = text.substr(0, close + 1);
    if (close + 1 < text.size()) {
      if (text[close + 1] != ':') return Error{"invalid_argument", "bad allowed host"};
      port = text.substr(close + 2);
    }
  } else if (const size_t colon = text.find(':'); colon != std::string_view::npos) {
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  out.host = strip_brackets(host);
  if (out.host.empty()) {
    return Error{"invalid_argument", "allowed host is empty: " + std::string(text)};
  }
  if (!port.empty() || text.back() == ':') {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
      return Error{"invalid_argument", "bad port in allowed host " + std::string(text)};
    }
    out.port = static_cast<uint16_t>(value);
  }
  return out;
}

bool EgressPolicy::allows(std::string_view host, uint16_t port) const {
  const std::string h = strip_brackets(host);
  return std::any_of(allowed_.begin(), allowed_.end(), [&](const AllowedHost& a) {
    return a.host == h && (!a.port || *a.port == port);
  });
}

Result<Target> EgressPolicy::parse(std::string_view url) const {
  auto u = boost::urls::parse_absolute_uri(url);
  if (!u) return Error{"invalid_url", "the webhook URL is not an absolute URL"};
  Target t;
  t.scheme = lower(u->scheme());
  if (t.scheme != "https" && t.scheme != "http") {
    return Error{"invalid_url", "the webhook URL must be https"};
  }
  if (u->has_userinfo() || u->has_fragment()) {
    return Error{"invalid_url", "the webhook URL must carry no user info or fragment"};
  }
  t.host = strip_brackets(std::string_view(u->encoded_host()));
  if (t.host.empty()) return Error{"invalid_url", "the webhook URL has no host"};
  t.port = t.scheme == "https" ? 443 : 80;
  if (u->has_port()) {
    const auto p = u->port_number();
    if (p == 0) return Error{"invalid_url", "the webhook URL's port is invalid"};
    t.port = p;
  }
  t.allowed = allows(t.host, t.port);
  if (t.scheme == "http" && !t.allowed) {
    return Error{"forbidden_url",
                 "webhook URLs must be https (plain http only for hosts the "
                 "operator allows with --webhook-allow-host)"};
  }
  return t;
}

bool is_forbidden_address(std::string_view address) {
  const std::string text = strip_brackets(address);
  unsigned char buf[16];
  if (inet_pton(AF_INET, text.c_str(), buf) == 1) return forbidden_v4(v4_at(buf));
  if (inet_pton(AF_INET6, text.c_str(), buf) == 1) return forbidden_v6(buf);
  return true;
}

Resolver system_resolver() {
  return [](const std::string& host) -> Result<std::vector<std::string>> {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0 || res == nullptr) {
      return Error{Errc::kResolveFailed, "cannot resolve the webhook host"};
    }
    std::vector<std::string> out;
    for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
      char text[INET6_ADDRSTRLEN] = {};
      const void* addr =
          ai->ai_family == AF_INET
              ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(ai->ai_addr)->sin_addr)
              : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(ai->ai_addr)->sin6_addr);
      if (inet_ntop(ai->ai_family, addr, text, sizeof text) != nullptr &&
          std::find(out.begin(), out.end(), text) == out.end()) {
        out.emplace_back(text);
      }
    }
    freeaddrinfo(res);
    if (out.empty()) return Error{Errc::kResolveFailed, "the webhook host has no address"};
    return out;
  };
}

// The canonical text of an address literal (as inet_ntop writes it, which
// the transport's connect-time check compares with), or "" for a name.
static std::string address_literal(const std::string& host) {
  unsigned char buf[16];
  char text[INET6_ADDRSTRLEN] = {};
  for (int family : {AF_INET, AF_INET6}) {
    if (inet_pton(family, host.c_str(), buf) == 1 &&
        inet_ntop(family, buf, text, sizeof text) != nullptr) {
      return text;
    }
  }
  return "";
}

Result<std::vector<std::string>> vet_addresses(const Target& target, const Resolver& resolve) {
  // An address literal is its own (only) address: no resolver is asked.
  const std::string literal = address_literal(target.host);
  auto addrs = literal.empty()
                   ? resolve(target.host)
                   : Result<std::vector<std::string>>(std::vector<std::string>{literal});
  if (!addrs.ok()) return addrs.error();
  if (target.allowed) return addrs;
  for (const auto& a : *addrs) {
    if (is_forbidden_address(a)) {
      return Error{"forbidden_address",
                   "the webhook host resolves to a loopback, private, link-local or otherwise "
                   "non-public address"};
    }
  }
  return addrs;
}

}  // namespace skillsync::notify
