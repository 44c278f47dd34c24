// Reading a bucket's region out of S3's wrong-region answers. S3 says it in
// up to three places depending on the request: the x-amz-bucket-region
// header (any method, HEAD included), a <Region> element, or only in prose
// ("the region 'us-east-1' is wrong; expecting 'eu-west-1'").
#include <string>

#include "source/s3/s3_internal.hpp"

namespace skillsync::source::s3::internal {
namespace {

std::optional<std::string> checked(std::string_view region) {
  if (!valid_region(region)) return std::nullopt;
  return std::string(region);
}

// "<bucket>.s3.eu-west-1.amazonaws.com", "s3-eu-west-1.amazonaws.com",
// "s3.amazonaws.com" (us-east-1).
std::optional<std::string> region_of_endpoint(std::string_view endpoint) {
  constexpr std::string_view kSuffix = ".amazonaws.com";
  if (!endpoint.ends_with(kSuffix)) return std::nullopt;
  endpoint.remove_suffix(kSuffix.size());
  const size_t dot = endpoint.rfind('.');
  const std::string_view last = dot == std::string_view::npos ? endpoint : endpoint.substr(dot + 1);
  if (last == "s3") return std::string("us-east-1");
  if (last.starts_with("s3-")) return checked(last.substr(3));
  if (dot == std::string_view::npos) return std::nullopt;
  const std::string_view before = endpoint.substr(0, dot);
  if (before == "s3" || before.ends_with(".s3")) return checked(last);
  return std::nullopt;
}

}  // namespace

bool valid_region(std::string_view region) {
  if (region.empty() || region.size() > 32) return false;
  if (region.front() < 'a' || region.front() > 'z') return false;
  for (char c : region) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return !region.ends_with('-');
}

std::optional<std::string> region_hint(int status,
                                       const std::map<std::string, std::string>& headers,
                                       std::string_view body) {
  if (status != 301 && status != 307 && status != 400) return std::nullopt;
  if (auto it = headers.find("x-amz-bucket-region"); it != headers.end()) {
    return checked(it->second);
  }
  if (auto region = xml_element(body, "Region")) return checked(*region);
  const auto error = parse_error_xml(body);
  if (!error) return std::nullopt;
  if (status == 400 && error->code == "AuthorizationHeaderMalformed") {
    constexpr std::string_view kExpecting = "expecting '";
    const size_t at = error->message.find(kExpecting);
    if (at == std::string::npos) return std::nullopt;
    const size_t from = at + kExpecting.size();
    const size_t end = error->message.find('\'', from);
    if (end == std::string::npos) return std::nullopt;
    return checked(std::string_view(error->message).substr(from, end - from));
  }
  if (status == 301 && error->code == "PermanentRedirect") {
    if (auto endpoint = xml_element(body, "Endpoint")) return region_of_endpoint(*endpoint);
  }
  return std::nullopt;
}

}  // namespace skillsync::source::s3::internal
