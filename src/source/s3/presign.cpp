// Presigned URLs: making them (presign_get), checking a URL a user gives
// before the service fetches it (parse_presigned_url), and keeping them out
// of messages (redact_url, redact_all).
//
// A URL the service fetches on a user's behalf is a server-side request
// forgery risk: only AWS's own S3 hosts, or the one endpoint the operator
// configured, are accepted, never an IP address or a host a customer names.
#include <algorithm>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <string>
#include <vector>

#include "source/s3/s3.hpp"
#include "source/s3/s3_internal.hpp"

namespace skillsync::source::s3 {
namespace {

constexpr size_t kMaxUrlBytes = 8192;
constexpr int64_t kMaxExpiresSeconds = 7 * 24 * 3600;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  for (;;) {
    const size_t next = s.find(sep, pos);
    out.push_back(s.substr(pos, next == std::string_view::npos ? s.npos : next - pos));
    if (next == std::string_view::npos) return out;
    pos = next + 1;
  }
}

bool is_label(std::string_view label) {
  if (label.empty() || label.size() > 63) return false;
  for (char c : label) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

// "us-east-1", "us-gov-west-1", "ap-southeast-2": two letters, words, a number.
bool is_aws_region(std::string_view r) {
  const auto parts = split(r, '-');
  if (parts.size() < 3 || parts[0].size() != 2) return false;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].empty()) return false;
    const bool last = i + 1 == parts.size();
    for (char c : parts[i]) {
      if (last ? !(c >= '0' && c <= '9') : !(c >= 'a' && c <= 'z')) return false;
    }
  }
  return true;
}

// Whether `labels` end with one of S3's endpoint forms ("R" is a region).
bool ends_with_s3_endpoint(const std::vector<std::string_view>& labels) {
  static const std::vector<std::vector<std::string_view>> kForms = {
      {"s3"},
      {"s3-external-1"},
      {"s3", "R"},
      {"s3", "dualstack", "R"},
      {"s3-fips", "R"},
      {"s3-fips", "dualstack", "R"},
      {"s3-accesspoint", "R"},
      {"s3-accesspoint", "dualstack", "R"},
  };
  for (const auto& form : kForms) {
    if (form.size() > labels.size()) continue;
    const size_t base = labels.size() - form.size();
    bool match = true;
    for (size_t i = 0; i < form.size() && match; ++i) {
      match = form[i] == "R" ? is_aws_region(labels[base + i]) : form[i] == labels[base + i];
    }
    if (match) return true;
  }
  // The legacy dash form "s3-us-west-2".
  const std::string_view last = labels.back();
  return last.starts_with("s3-") && is_aws_region(last.substr(3));
}

uint16_t default_port(std::string_view scheme) { return scheme == "https" ? 443 : 80; }

}  // namespace

namespace internal {

bool is_aws_s3_host(std::string_view host) {
  std::string_view rest = host;
  if (rest.ends_with(".amazonaws.com")) {
    rest.remove_suffix(std::string_view(".amazonaws.com").size());
  } else if (rest.ends_with(".amazonaws.com.cn")) {
    rest.remove_suffix(std::string_view(".amazonaws.com.cn").size());
  } else {
    return false;
  }
  const auto labels = split(rest, '.');
  for (std::string_view label : labels) {
    if (!is_label(label)) return false;
  }
  return ends_with_s3_endpoint(labels);
}

void redact_all(std::string& text, std::initializer_list<std::string_view> secrets) {
  constexpr std::string_view kMark = "[redacted]";
  for (std::string_view secret : secrets) {
    if (secret.empty()) continue;
    for (size_t at = text.find(secret); at != std::string::npos;
         at = text.find(secret, at + kMark.size())) {
      text.replace(at, secret.size(), kMark);
    }
  }
}

}  // namespace internal

std::string redact_url(std::string_view url) {
  url = url.substr(0, url.find_first_of("?#"));
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  const size_t authority = scheme_end + 3;
  const size_t path = url.find('/', authority);
  const std::string_view auth =
      url.substr(authority, path == url.npos ? url.npos : path - authority);
  const size_t at = auth.rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  std::string out(url.substr(0, authority));
  out.append(auth.substr(at + 1));
  if (path != std::string_view::npos) out.append(url.substr(path));
  return out;
}

namespace {

// Why a presigned URL is refused (nullptr: the check passed).
using Why = const char*;

// The error for `why`, showing `shown` (nothing of the URL until it parses).
Error invalid(const std::string& shown, std::string_view why) {
  std::string message = "invalid presigned URL";
  if (!shown.empty()) message.append(" ").append(shown);
  message.append(": ").append(why);
  return Error{"invalid_presigned_url", std::move(message)};
}

// The text before it is parsed: not empty, at most 8 KiB, printable ASCII.
Why check_text(std::string_view text) {
  if (text.empty()) return "it is empty";
  if (text.size() > kMaxUrlBytes) return "it is longer than 8 KiB";
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F) return "it may hold only printable ASCII, no spaces";
  }
  return nullptr;
}

// The parsed URL's form: http(s), no userinfo or fragment, a host, a valid
// port and an absolute path.
Why check_form(const boost::urls::url_view& u, const std::string& scheme, const std::string& host) {
  if (scheme != "https" && scheme != "http") return "the scheme must be https";
  if (u.has_userinfo()) return "it must not hold a user name or password";
  if (u.has_fragment()) return "it must not have a fragment (#...)";
  if (host.empty()) return "it has no host";
  if (u.has_port() && u.port().empty()) return "it has an empty port";
  // Boost.URL 1.81 stops a port at its first non-digit (the rest becomes the
  // path) and wraps values over 65535: check the text ourselves, so that what
  // we compare is what curl will connect to.
  if (u.has_port()) {
    std::string_view p = u.port();
    bool digits = p.size() <= 5 &&
                  std::all_of(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits || std::stoul(std::string(p)) == 0 || std::stoul(std::string(p)) > 65535) {
      return "its port is not a number from 1 to 65535";
    }
  }
  if (!u.encoded_path().starts_with("/")) return "its path does not start with '/'";
  return nullptr;
}

// Whether host and port are those of the configured S3 endpoint (if any).
bool is_configured_endpoint(const ClientConfig& config, const std::string& host, uint16_t port) {
  if (config.endpoint.empty()) return false;
  auto ep = boost::urls::parse_uri(config.endpoint);
  if (!ep) return false;
  const std::string ep_scheme = lower(ep->scheme());
  const uint16_t ep_port = ep->has_port() ? ep->port_number() : default_port(ep_scheme);
  return lower(ep->encoded_host()) == host && ep_port == port;
}

// Any other host: an Amazon S3 host name over https on port 443.
Why check_aws_host(const boost::urls::url_view& u, const std::string& scheme,
                   const std::string& host, uint16_t port, bool endpoint_configured) {
  if (scheme != "https") return "plain http is allowed only to the configured S3 endpoint";
  if (u.host_type() != boost::urls::host_type::name) {
    return "an IP address is allowed only as the configured S3 endpoint";
  }
  if (!internal::is_aws_s3_host(host)) {
    return endpoint_configured
               ? "the host is neither an Amazon S3 host nor the configured S3 endpoint"
               : "the host is not an Amazon S3 host";
  }
  if (port != 443) return "an Amazon S3 URL must use port 443";
  return nullptr;
}

// The query: a SigV4 or SigV2 signature, and no algorithm but SigV4's.
Why check_signature(const boost::urls::url_view& u) {
  bool signed_v4 = false;
  bool signed_v2 = false;
  for (const auto& param : u.params()) {
    if (param.key == "X-Amz-Signature" && param.has_value) signed_v4 = true;
    if (param.key == "Signature" && param.has_value) signed_v2 = true;
    if (param.key == "X-Amz-Algorithm" && param.value != "AWS4-HMAC-SHA256") {
      return "X-Amz-Algorithm must be AWS4-HMAC-SHA256";
    }
  }
  if (!signed_v4 && !signed_v2) {
    return "it carries no signature (X-Amz-Signature): is it a presigned URL?";
  }
  return nullptr;
}

}  // namespace

// The checks in order: the text, its form once parsed, the host (the
// configured endpoint or Amazon S3), an object path, the signature.
Result<PresignedUrl> parse_presigned_url(std::string_view text, const ClientConfig& config) {
  if (Why why = check_text(text)) return invalid("", why);
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed) return invalid("", "it is not an absolute URL");
  const boost::urls::url_view& u = *parsed;
  const std::string scheme = lower(u.scheme());
  const std::string host = lower(u.encoded_host());
  // What messages may show of the URL from here on.
  std::string shown =
      scheme + "://" + lower(u.encoded_host_and_port()) + std::string(u.encoded_path());

  if (Why why = check_form(u, scheme, host)) return invalid(shown, why);
  const uint16_t port = u.has_port() ? u.port_number() : default_port(scheme);
  if (u.has_port() && port == 0) return invalid(shown, "its port is not valid");
  if (!is_configured_endpoint(config, host, port)) {
    Why why = check_aws_host(u, scheme, host, port, !config.endpoint.empty());
    if (why) return invalid(shown, why);
  }
  if (u.encoded_path().size() <= 1) return invalid(shown, "it does not name an object");
  if (Why why = check_signature(u)) return invalid(shown, why);
  PresignedUrl out;
  out.url = SecretString(std::string(text));
  out.redacted = std::move(shown);
  return out;
}

Result<std::string> presign_get(const ClientConfig& config, const S3Uri& object,
                                const Credentials& credentials, std::chrono::seconds expires,
                                Micros time) {
  if (expires.count() < 1 || expires.count() > kMaxExpiresSeconds) {
    return Error{"invalid_argument", "presigned URLs expire after 1 s to 7 days"};
  }
  SKILLSYNC_ASSIGN_OR_RETURN(
      internal::Target target,
      internal::make_target(config, config.region, object.bucket, object.key));
  HttpRequest req;
  req.method = "GET";
  req.host = target.host;
  req.path = target.path;
  SigningParams params;
  params.region = config.region;
  params.time = time;
  return target.url + "?" + presign_query(req, credentials, params, expires);
}

}  // namespace skillsync::source::s3
