#include "source/s3/s3_internal.hpp"

#include <algorithm>
#include <charconv>

namespace skillsync::source::s3::internal {
namespace {

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string code_for_status(int status) {
  switch (status) {
    case 301:
      return "PermanentRedirect";
    case 400:
      return "BadRequest";
    case 403:
      return "AccessDenied";
    case 404:
      return "NoSuchKey";
    case 412:
      return "PreconditionFailed";
    default:
      return "http_" + std::to_string(status);
  }
}

}  // namespace

std::optional<std::string_view> xml_element(std::string_view xml, std::string_view name) {
  const std::string open = "<" + std::string(name) + ">";
  const std::string close = "</" + std::string(name) + ">";
  const size_t start = xml.find(open);
  if (start == std::string_view::npos) return std::nullopt;
  const size_t from = start + open.size();
  const size_t end = xml.find(close, from);
  if (end == std::string_view::npos) return std::nullopt;
  return xml.substr(from, end - from);
}

std::string xml_unescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const size_t semi = text[i] == '&' ? text.find(';', i) : std::string_view::npos;
    if (semi == std::string_view::npos || semi - i > 10) {
      out.push_back(text[i++]);
      continue;
    }
    const std::string_view entity = text.substr(i + 1, semi - i - 1);
    if (entity == "amp") {
      out.push_back('&');
    } else if (entity == "lt") {
      out.push_back('<');
    } else if (entity == "gt") {
      out.push_back('>');
    } else if (entity == "quot") {
      out.push_back('"');
    } else if (entity == "apos") {
      out.push_back('\'');
    } else if (entity.size() > 1 && entity[0] == '#') {
      const bool hex = entity[1] == 'x' || entity[1] == 'X';
      const std::string_view digits = entity.substr(hex ? 2 : 1);
      uint32_t cp = 0;
      auto [ptr, ec] =
          std::from_chars(digits.data(), digits.data() + digits.size(), cp, hex ? 16 : 10);
      if (ec != std::errc() || ptr != digits.data() + digits.size() || cp > 0x10FFFF) {
        out.append(text.substr(i, semi - i + 1));
      } else {
        append_utf8(out, cp);
      }
    } else {
      out.append(text.substr(i, semi - i + 1));  // unknown entity: keep as is
    }
    i = semi + 1;
  }
  return out;
}

std::optional<ErrorBody> parse_error_xml(std::string_view xml) {
  const auto code = xml_element(xml, "Code");
  if (!code || code->empty()) return std::nullopt;
  ErrorBody out;
  out.code = xml_unescape(*code);
  if (const auto message = xml_element(xml, "Message")) out.message = xml_unescape(*message);
  return out;
}

Error http_error(std::string_view method, std::string_view resource, int status,
                 std::string_view body, const std::map<std::string, std::string>& headers) {
  std::string code;
  std::string detail;
  if (auto parsed = parse_error_xml(body)) {
    code = std::move(parsed->code);
    detail = std::move(parsed->message);
  } else if (auto it = headers.find("x-amz-error-code");
             it != headers.end() && !it->second.empty()) {
    code = it->second;
    if (auto m = headers.find("x-amz-error-message"); m != headers.end()) detail = m->second;
  } else {
    code = code_for_status(status);
  }
  std::string message = "S3 ";
  message.append(method).append(" ").append(resource).append(": ");
  message.append(std::to_string(status)).append(" ").append(code);
  if (!detail.empty()) message.append(": ").append(detail);
  return Error{std::move(code), std::move(message)};
}

bool is_transient_status(int status, std::string_view code) {
  if (status == 500 || status == 502 || status == 503 || status == 504) return true;
  return code == "SlowDown" || code == "InternalError" || code == "RequestTimeout" ||
         code == "ServiceUnavailable";
}

bool is_transient_error(const Error& error) {
  return error.is(Errc::kConnectionFailed) || error.is(Errc::kTimeout);
}

std::chrono::milliseconds backoff_delay(int failures, std::chrono::milliseconds base,
                                        std::chrono::milliseconds cap, double unit) {
  // Doubling stops once past the cap, so large failure counts cannot overflow.
  int64_t ceiling = std::max<int64_t>(base.count(), 0);
  for (int i = 1; i < failures && ceiling < cap.count(); ++i) ceiling *= 2;
  ceiling = std::min<int64_t>(ceiling, cap.count());
  return std::chrono::milliseconds(static_cast<int64_t>(unit * static_cast<double>(ceiling)));
}

std::optional<uint64_t> parse_uint(std::string_view text) {
  uint64_t v = 0;
  if (text.empty()) return std::nullopt;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return v;
}

std::optional<ContentRange> parse_content_range(std::string_view value) {
  if (!value.starts_with("bytes ")) return std::nullopt;
  value.remove_prefix(6);
  const size_t dash = value.find('-');
  const size_t slash = value.find('/');
  if (dash == std::string_view::npos || slash == std::string_view::npos || slash < dash) {
    return std::nullopt;
  }
  auto first = parse_uint(value.substr(0, dash));
  auto last = parse_uint(value.substr(dash + 1, slash - dash - 1));
  auto total = parse_uint(value.substr(slash + 1));
  if (!first || !last || !total || *first > *last || *last >= *total) return std::nullopt;
  return ContentRange{*first, *last, *total};
}

Result<Target> make_target(const ClientConfig& config, std::string_view region,
                           std::string_view bucket, std::string_view key) {
  std::string scheme;
  std::string host;
  std::string path;
  if (!config.endpoint.empty()) {
    std::string_view ep = config.endpoint;
    const size_t sep = ep.find("://");
    if (sep == std::string_view::npos) {
      return Error{"invalid_endpoint", "S3 endpoint must look like http(s)://host[:port]"};
    }
    scheme = std::string(ep.substr(0, sep));
    std::string_view rest = ep.substr(sep + 3);
    const size_t slash = rest.find('/');
    host = std::string(rest.substr(0, slash));
    std::string_view base = slash == std::string_view::npos ? "" : rest.substr(slash);
    while (base.ends_with('/')) base.remove_suffix(1);
    if ((scheme != "http" && scheme != "https") || host.empty() ||
        host.find_first_of("?#@ ") != std::string::npos ||
        base.find_first_of("?#") != std::string_view::npos) {
      return Error{"invalid_endpoint", "S3 endpoint must look like http(s)://host[:port]"};
    }
    path.append(base).append("/").append(bucket);
    if (!key.empty()) path.append("/").append(key);
  } else {
    scheme = "https";
    // us-east-1 keeps its original host, the one AWS's examples sign.
    const std::string s3_host =
        region == "us-east-1" ? "s3.amazonaws.com" : "s3." + std::string(region) + ".amazonaws.com";
    if (bucket.find('.') != std::string_view::npos || bucket.empty()) {
      // A dotted name breaks the wildcard TLS certificate: path style.
      host = s3_host;
      path.append("/").append(bucket);
      if (!key.empty()) path.append("/").append(key);
    } else {
      host = std::string(bucket) + "." + s3_host;
      path.append("/").append(key);
    }
  }
  Target t;
  t.url = scheme + "://" + host + uri_encode(path, false);
  t.host = std::move(host);
  t.path = std::move(path);
  return t;
}

std::string encode_query(const std::multimap<std::string, std::string>& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(query.size());
  for (const auto& [k, v] : query) encoded.emplace_back(uri_encode(k, true), uri_encode(v, true));
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [k, v] : encoded) {
    if (!out.empty()) out.push_back('&');
    out.append(k).append("=").append(v);
  }
  return out;
}

std::string resource_name(std::string_view bucket, std::string_view key) {
  std::string out = "s3://";
  out.append(bucket);
  if (!key.empty()) out.append("/").append(key);
  return out;
}

}  // namespace skillsync::source::s3::internal
