// parse_s3_uri and uri_encode: the two places where an object's name turns
// into text, shared by the URL we send and the request we sign.
#include <string>
#include <string_view>

#include "source/s3/s3.hpp"

namespace skillsync::source::s3 {
namespace {

constexpr std::string_view kScheme = "s3://";
constexpr size_t kMaxKeyBytes = 1024;

bool is_alnum_lower(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool valid_bucket(std::string_view b) {
  if (b.size() < 3 || b.size() > 63) return false;
  for (char c : b) {
    if (!is_alnum_lower(c) && c != '.' && c != '-') return false;
  }
  if (!is_alnum_lower(b.front()) || !is_alnum_lower(b.back())) return false;
  return b.find("..") == std::string_view::npos;
}

// Strict UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF).
bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t len;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

Error invalid(std::string_view why) {
  return Error{"invalid_uri", "invalid S3 URI: " + std::string(why)};
}

}  // namespace

Result<S3Uri> parse_s3_uri(std::string_view uri) {
  if (!uri.starts_with(kScheme)) return invalid("expected s3://<bucket>/<key>");
  std::string_view rest = uri.substr(kScheme.size());
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return invalid("expected s3://<bucket>/<key>");
  std::string_view bucket = rest.substr(0, slash);
  std::string_view key = rest.substr(slash + 1);
  if (!valid_bucket(bucket)) {
    return invalid("bucket name must be 3-63 characters of a-z, 0-9, '.' and '-'");
  }
  if (key.empty()) return invalid("object key is empty");
  if (key.size() > kMaxKeyBytes) return invalid("object key is longer than 1024 bytes");
  if (key.find('\0') != std::string_view::npos || !valid_utf8(key)) {
    return invalid("object key is not valid UTF-8");
  }
  return S3Uri{std::string(bucket), std::string(key)};
}

std::string uri_encode(std::string_view s, bool encode_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() + s.size() / 2);
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved || (c == '/' && !encode_slash)) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

}  // namespace skillsync::source::s3
