// AWS Signature Version 4: requests signed in the Authorization header and
// presigned URLs (query-string signing).
//
// Written here rather than taken from libcurl (CURLOPT_AWS_SIGV4 omits
// x-amz-content-sha256 and canonicalises neither paths nor queries); tested
// against AWS's published vectors in tests/source/sigv4_test.cpp.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "common/crypto.hpp"
#include "source/s3/s3.hpp"
#include "source/s3/s3_internal.hpp"

namespace skillsync::source::s3 {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

// Trims the value and collapses each run of whitespace to a single space.
std::string canonical_header_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  bool pending_space = false;
  for (char c : v) {
    if (is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

// RFC 3986 remove_dot_segments plus dropping empty segments, which is how
// AWS normalises paths for services other than S3.
std::string normalize_path(std::string_view path) {
  std::vector<std::string_view> segments;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t next = path.find('/', pos);
    if (next == std::string_view::npos) next = path.size();
    std::string_view seg = path.substr(pos, next - pos);
    if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!seg.empty() && seg != ".") {
      segments.push_back(seg);
    }
    pos = next + 1;
  }
  std::string out;
  for (std::string_view seg : segments) {
    out.push_back('/');
    out.append(seg);
  }
  if (out.empty()) return "/";
  if (path.ends_with('/')) out.push_back('/');
  return out;
}

// "20150830T123600Z": whole seconds of `t` in UTC.
std::string amz_date(Micros t) {
  constexpr Micros kPerSecond = 1000000;
  Micros secs = t / kPerSecond;
  if (t % kPerSecond < 0) --secs;
  std::string iso = format_rfc3339(secs * kPerSecond);  // 2015-08-30T12:36:00Z
  std::string out;
  out.reserve(16);
  for (char c : iso) {
    if (c != '-' && c != ':') out.push_back(c);
  }
  return out;
}

std::string scope(const std::string& date8, const SigningParams& params) {
  return date8 + "/" + params.region + "/" + params.service + "/aws4_request";
}

// Lower-cased, sorted headers with canonical values.
std::vector<std::pair<std::string, std::string>> canonical_headers(
    const std::map<std::string, std::string>& headers) {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(headers.size());
  for (const auto& [name, value] : headers) {
    out.emplace_back(lower(name), canonical_header_value(value));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string signed_header_list(const std::vector<std::pair<std::string, std::string>>& headers) {
  std::string out;
  for (const auto& [name, value] : headers) {
    if (!out.empty()) out.push_back(';');
    out.append(name);
  }
  return out;
}

// The hex signature of a canonical request (AWS's four-step key derivation).
std::string signature_of(const std::string& canonical, const Credentials& creds,
                         const std::string& date8, const SigningParams& params) {
  const std::string to_sign = string_to_sign(canonical, params);
  // The derived keys are as secret as the secret key itself: wipe them.
  std::string key = "AWS4" + creds.secret_access_key.reveal();
  for (std::string_view part :
       {std::string_view(date8), std::string_view(params.region), std::string_view(params.service),
        std::string_view("aws4_request")}) {
    const crypto::Digest d = crypto::hmac_sha256(key, part);
    secure_wipe(key);
    key.assign(reinterpret_cast<const char*>(d.data()), d.size());
  }
  std::string signature = crypto::hex(crypto::hmac_sha256(key, to_sign));
  secure_wipe(key);
  return signature;
}

}  // namespace

std::string canonical_request(const HttpRequest& req,
                              const std::map<std::string, std::string>& all_headers,
                              const SigningParams& params) {
  std::string out;
  out.reserve(512);
  out.append(req.method).push_back('\n');

  std::string_view path = req.path.empty() ? std::string_view("/") : std::string_view(req.path);
  if (params.s3_path_encoding) {
    out.append(uri_encode(path, false));
  } else {
    out.append(uri_encode(normalize_path(path), false));
  }
  out.push_back('\n');

  std::vector<std::pair<std::string, std::string>> query;
  query.reserve(req.query.size());
  for (const auto& [k, v] : req.query) query.emplace_back(uri_encode(k, true), uri_encode(v, true));
  std::sort(query.begin(), query.end());
  for (size_t i = 0; i < query.size(); ++i) {
    if (i > 0) out.push_back('&');
    out.append(query[i].first).push_back('=');
    out.append(query[i].second);
  }
  out.push_back('\n');

  const auto headers = canonical_headers(all_headers);
  for (const auto& [name, value] : headers) {
    out.append(name).push_back(':');
    out.append(value).push_back('\n');
  }
  out.push_back('\n');
  out.append(signed_header_list(headers)).push_back('\n');
  out.append(req.payload_sha256);
  return out;
}

std::string string_to_sign(const std::string& canonical_request, const SigningParams& params) {
  const std::string date = amz_date(params.time);
  std::string out(kAlgorithm);
  out.push_back('\n');
  out.append(date).push_back('\n');
  out.append(scope(date.substr(0, 8), params)).push_back('\n');
  out.append(crypto::sha256_hex(canonical_request));
  return out;
}

std::map<std::string, std::string> sign_request(const HttpRequest& req, const Credentials& creds,
                                                const SigningParams& params) {
  const std::string date = amz_date(params.time);
  const std::string date8 = date.substr(0, 8);

  std::map<std::string, std::string> headers;
  for (const auto& [name, value] : req.headers) headers[lower(name)] = value;
  headers["host"] = req.host;
  headers["x-amz-date"] = date;
  if (params.service == "s3") headers["x-amz-content-sha256"] = req.payload_sha256;
  if (!creds.session_token.empty()) headers["x-amz-security-token"] = creds.session_token.reveal();

  const std::string canonical = canonical_request(req, headers, params);
  const std::string signature = signature_of(canonical, creds, date8, params);

  std::string auth(kAlgorithm);
  auth.append(" Credential=").append(creds.access_key_id).push_back('/');
  auth.append(scope(date8, params));
  auth.append(", SignedHeaders=").append(signed_header_list(canonical_headers(headers)));
  auth.append(", Signature=").append(signature);
  headers["authorization"] = std::move(auth);
  return headers;
}

std::string presign_query(const HttpRequest& req, const Credentials& creds,
                          const SigningParams& params, std::chrono::seconds expires) {
  const std::string date = amz_date(params.time);
  const std::string date8 = date.substr(0, 8);

  std::map<std::string, std::string> headers;
  for (const auto& [name, value] : req.headers) headers[lower(name)] = value;
  headers["host"] = req.host;

  HttpRequest signed_req = req;
  signed_req.payload_sha256 = "UNSIGNED-PAYLOAD";
  auto& q = signed_req.query;
  q.emplace("X-Amz-Algorithm", std::string(kAlgorithm));
  q.emplace("X-Amz-Credential", creds.access_key_id + "/" + scope(date8, params));
  q.emplace("X-Amz-Date", date);
  q.emplace("X-Amz-Expires", std::to_string(expires.count()));
  q.emplace("X-Amz-SignedHeaders", signed_header_list(canonical_headers(headers)));
  if (!creds.session_token.empty()) q.emplace("X-Amz-Security-Token", creds.session_token.reveal());

  const std::string canonical = canonical_request(signed_req, headers, params);
  const std::string signature = signature_of(canonical, creds, date8, params);
  // The signature last, as in AWS's examples (the order does not matter).
  std::string out = internal::encode_query(q);
  out.append("&X-Amz-Signature=").append(signature);
  for (auto& [k, v] : q) {
    if (k == "X-Amz-Security-Token") secure_wipe(v);
  }
  return out;
}

}  // namespace skillsync::source::s3
