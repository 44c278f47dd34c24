// fuzz_s3_uri: the two ways a task names its object, both hostile input.
//
// parse_s3_uri: an accepted URI's bucket is 3-63 characters of [a-z0-9.-]
// (starting and ending with a letter or digit, no ".."), its key is
// non-empty valid UTF-8 without NUL of at most 1024 bytes, the URI is exactly
// "s3://" + bucket + "/" + key, and parsing that again gives the same result.
//
// parse_presigned_url (against no endpoint, and against a configured one):
// an accepted URL is at most 8 KiB of printable ASCII, keeps the text as
// given, has no userinfo and no fragment, and points at https on port 443
// of an *.amazonaws.com(.cn) host, or at exactly the configured endpoint's
// host and port; its redacted form has no query and is redact_url's.
// redact_url never keeps a query, fragment or "user:pass@" of any input.
#include <string>
#include <string_view>

#include "fuzz_util.hpp"
#include "source/s3/s3.hpp"

namespace skillsync::fuzz {
namespace {

namespace s3 = source::s3;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool is_bucket_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

void check_s3_uri(std::string_view text) {
  Result<s3::S3Uri> r = s3::parse_s3_uri(text);
  if (!r.ok()) {
    FUZZ_CHECK(r.error().code == "invalid_uri", r.error().code);
    return;
  }
  const std::string& bucket = r->bucket;
  const std::string& key = r->key;
  const std::string what = "accepted '" + escape(text) + "'";
  FUZZ_CHECK(bucket.size() >= 3 && bucket.size() <= 63, what);
  for (char c : bucket) FUZZ_CHECK(is_bucket_char(c), what + ": bucket character");
  FUZZ_CHECK(bucket.front() != '.' && bucket.front() != '-', what);
  FUZZ_CHECK(bucket.back() != '.' && bucket.back() != '-', what);
  FUZZ_CHECK(bucket.find("..") == std::string::npos, what);
  FUZZ_CHECK(!key.empty() && key.size() <= 1024, what);
  FUZZ_CHECK(key.find('\0') == std::string::npos, what + ": NUL in key");
  FUZZ_CHECK(is_valid_utf8(key), what + ": key is not UTF-8");
  const std::string rebuilt = "s3://" + bucket + "/" + key;
  FUZZ_CHECK(rebuilt == text, what + " rebuilds as '" + escape(rebuilt) + "'");
  Result<s3::S3Uri> again = s3::parse_s3_uri(rebuilt);
  FUZZ_CHECK(again.ok() && again->bucket == bucket && again->key == key, what);
}

// scheme, host and port of an absolute URL without userinfo, by hand.
struct Authority {
  std::string scheme;
  std::string host;
  std::string port;  // "" when absent
};

Authority split_authority(std::string_view url) {
  Authority a;
  const size_t colon = url.find("://");
  FUZZ_CHECK(colon != std::string_view::npos, "accepted URL without ://");
  a.scheme = lower(url.substr(0, colon));
  std::string_view rest = url.substr(colon + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  const size_t bracket = rest.rfind(']');
  const size_t port_colon = rest.rfind(':');
  if (port_colon != std::string_view::npos &&
      (bracket == std::string_view::npos || port_colon > bracket)) {
    a.port = std::string(rest.substr(port_colon + 1));
    rest = rest.substr(0, port_colon);
  }
  a.host = lower(rest);
  return a;
}

// The port's number, ignoring leading zeros; -1 if it is not a number.
long port_number(std::string_view port, std::string_view scheme) {
  if (port.empty()) return scheme == "https" ? 443 : 80;
  long n = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return -1;
    n = n * 10 + (c - '0');
    if (n > 65535) return -1;
  }
  return n;
}

bool is_amazon_host(std::string_view host) {
  if (!host.ends_with(".amazonaws.com") && !host.ends_with(".amazonaws.com.cn")) return false;
  for (char c : host) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-')) return false;
  }
  return host.find("..") == std::string_view::npos && !host.starts_with('.');
}

void check_redact(std::string_view text) {
  const std::string r = s3::redact_url(text);
  FUZZ_CHECK(r.find_first_of("?#") == std::string::npos, "redact_url kept a query or fragment");
  const size_t scheme_end = r.find("://");
  if (scheme_end != std::string::npos) {
    const std::string_view authority =
        std::string_view(r).substr(scheme_end + 3, r.find('/', scheme_end + 3) - scheme_end - 3);
    FUZZ_CHECK(authority.find('@') == std::string_view::npos,
               "redact_url kept userinfo: '" + escape(r) + "'");
  }
}

void check_presigned(std::string_view text, const std::string& endpoint) {
  s3::ClientConfig config;
  config.endpoint = endpoint;
  Result<s3::PresignedUrl> r = s3::parse_presigned_url(text, config);
  if (!r.ok()) {
    FUZZ_CHECK(r.error().code == "invalid_presigned_url", r.error().code);
    // Messages may show the URL without its query: never the signature.
    // (Only when the signature is in the query alone: the path may be shown.)
    const std::string_view head = text.substr(0, text.find('?'));
    if (head.find("Signature=") == std::string_view::npos) {
      FUZZ_CHECK(r.error().message.find("Signature=") == std::string::npos,
                 "the error message shows the signature: " + escape(r.error().message));
    }
    return;
  }
  const std::string what = "accepted '" + escape(text) + "' with endpoint '" + endpoint + "'";
  FUZZ_CHECK(r->url.reveal() == text, what + ": the URL must be kept as given");
  FUZZ_CHECK(text.size() <= 8192, what);
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    FUZZ_CHECK(u > 0x20 && u < 0x7F, what + ": not printable ASCII");
  }
  FUZZ_CHECK(text.find('#') == std::string_view::npos, what + ": fragment");
  const std::string_view before_path =
      text.substr(0, text.find_first_of("/?", text.find("://") + 3));
  FUZZ_CHECK(before_path.find('@') == std::string_view::npos, what + ": userinfo");
  FUZZ_CHECK(r->redacted.find('?') == std::string::npos, what + ": redacted keeps the query");
  FUZZ_CHECK(
      r->redacted == s3::redact_url(text) || lower(r->redacted) == lower(s3::redact_url(text)),
      what + ": redacted '" + r->redacted + "' vs redact_url '" + s3::redact_url(text) + "'");

  const Authority a = split_authority(text);
  // What libcurl will connect to must be what was checked: a port is 1-65535
  // in digits only, and the path starts right after the authority.
  FUZZ_CHECK(a.host.find(':') == std::string::npos || a.host.starts_with('['),
             what + ": two ports in '" + escape(a.host) + "'");
  FUZZ_CHECK(port_number(a.port, a.scheme) > 0,
             what + ": port '" + escape(a.port) + "' is not a number from 1 to 65535");
  const size_t authority_end = text.find_first_of("/?#", text.find("://") + 3);
  FUZZ_CHECK(authority_end != std::string_view::npos && text[authority_end] == '/',
             what + ": no '/' right after the authority");
  bool to_endpoint = false;
  if (!endpoint.empty()) {
    const Authority ep = split_authority(endpoint);
    to_endpoint =
        a.host == ep.host && port_number(a.port, a.scheme) == port_number(ep.port, ep.scheme);
  }
  if (!to_endpoint) {
    FUZZ_CHECK(a.scheme == "https", what + ": plain http to AWS");
    FUZZ_CHECK(is_amazon_host(a.host), what + ": host '" + a.host + "' is not Amazon's");
    FUZZ_CHECK(port_number(a.port, a.scheme) == 443, what + ": port '" + a.port + "'");
  }
}

}  // namespace
}  // namespace skillsync::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace skillsync::fuzz;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_s3_uri(text);
  check_redact(text);
  check_presigned(text, "");
  check_presigned(text, "http://127.0.0.1:9000");
  check_presigned(text, "https://minio.internal:9443");
  return 0;
}
