// fuzz_sigv4: SigV4 canonicalisation over a request whose path, query pairs,
// header values and region come from the input (FuzzedDataProvider).
//
// Checks:
//   - uri_encode keeps only unreserved characters, '/' (unless encoding
//     slashes) and %XX with upper-case hex, and decodes back to its input;
//   - canonical_request has exactly its six parts: method, path, query, one
//     "name:value" line per header then a blank line, the signed header list,
//     the payload hash. The path and query are encoded (and decode back to
//     the request's for S3), the query pairs sorted, the header names sorted
//     and equal to the signed list, header values trimmed with no line end;
//   - sign_request and presign_query never crash, produce a well-formed
//     Authorization header / X-Amz-Signature, and never show the secret key.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzz_util.hpp"
#include "source/s3/s3.hpp"

namespace skillsync::fuzz {
namespace {

namespace s3 = source::s3;

bool is_unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;  // lower-case hex is not canonical
}

// Checks `encoded` is canonical (see uri_encode) and returns its decoding.
std::string check_and_decode(std::string_view encoded, bool slash_allowed, std::string_view what) {
  std::string out;
  for (size_t i = 0; i < encoded.size(); ++i) {
    const char c = encoded[i];
    if (is_unreserved(c) || (c == '/' && slash_allowed)) {
      out.push_back(c);
      continue;
    }
    FUZZ_CHECK(c == '%' && i + 2 < encoded.size(),
               std::string(what) + ": bad character in '" + escape(encoded) + "'");
    const int hi = hex_value(encoded[i + 1]);
    const int lo = hex_value(encoded[i + 2]);
    FUZZ_CHECK(hi >= 0 && lo >= 0, std::string(what) + ": bad %XX in '" + escape(encoded) + "'");
    const char decoded = static_cast<char>(hi * 16 + lo);
    FUZZ_CHECK(!is_unreserved(decoded) && !(decoded == '/' && slash_allowed),
               std::string(what) + ": needless %XX in '" + escape(encoded) + "'");
    out.push_back(decoded);
    i += 2;
  }
  return out;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (size_t pos = 0;;) {
    const size_t next = s.find(sep, pos);
    out.push_back(s.substr(pos, next == std::string_view::npos ? s.npos : next - pos));
    if (next == std::string_view::npos) return out;
    pos = next + 1;
  }
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

struct Fuzzed {
  s3::HttpRequest req;
  std::map<std::string, std::string> headers;  // what sign_request would sign
  s3::SigningParams params;
  s3::Credentials creds;
};

Fuzzed make_request(FuzzedDataProvider& in) {
  static const char* const kMethods[] = {"GET", "HEAD", "PUT"};
  static const char* const kNames[] = {"range",        "if-match",     "x-amz-meta-a",
                                       "content-type", "x-amz-date",   "x-amz-content-sha256",
                                       "x-custom",     "x-amz-meta-b", "content-md5"};
  Fuzzed f;
  f.req.method = kMethods[in.ConsumeIntegralInRange<int>(0, 2)];
  f.req.host = "examplebucket.s3.amazonaws.com";
  f.params.s3_path_encoding = in.ConsumeBool();
  f.params.service = f.params.s3_path_encoding ? "s3" : "service";
  f.params.region = in.ConsumeRandomLengthString(32);
  // Any instant from 1970 to 9999.
  f.params.time = in.ConsumeIntegralInRange<int64_t>(0, int64_t{253402300799} * 1000000);
  if (in.ConsumeBool()) f.req.payload_sha256 = std::string(64, 'a');
  f.req.path = in.ConsumeRandomLengthString(300);
  const int pairs = in.ConsumeIntegralInRange<int>(0, 6);
  for (int i = 0; i < pairs; ++i) {
    std::string k = in.ConsumeRandomLengthString(40);
    f.req.query.emplace(std::move(k), in.ConsumeRandomLengthString(80));
  }
  const int extra = in.ConsumeIntegralInRange<int>(0, 5);
  for (int i = 0; i < extra; ++i) {
    const char* name = kNames[in.ConsumeIntegralInRange<size_t>(0, std::size(kNames) - 1)];
    f.req.headers[name] = in.ConsumeRandomLengthString(100);
  }
  f.headers = f.req.headers;
  f.headers["host"] = f.req.host;
  f.creds.access_key_id = "AKIDEXAMPLE";
  f.creds.secret_access_key = SecretString("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  if (in.ConsumeBool()) f.creds.session_token = SecretString(in.ConsumeRandomLengthString(64));
  return f;
}

void check_uri_encode(std::string_view s) {
  for (bool encode_slash : {false, true}) {
    const std::string e = s3::uri_encode(s, encode_slash);
    FUZZ_CHECK(check_and_decode(e, !encode_slash, "uri_encode") == s,
               "uri_encode does not decode back: '" + escape(e) + "'");
  }
}

void check_canonical(const Fuzzed& f) {
  const std::string c = s3::canonical_request(f.req, f.headers, f.params);
  const std::vector<std::string_view> lines = split(c, '\n');
  const size_t n = f.headers.size();
  FUZZ_CHECK(lines.size() == 6 + n, "canonical request has " + std::to_string(lines.size()) +
                                        " lines for " + std::to_string(n) +
                                        " headers: " + escape(c));
  FUZZ_CHECK(lines[0] == f.req.method, escape(c));

  const std::string path = check_and_decode(lines[1], true, "canonical path");
  if (f.params.s3_path_encoding) {
    FUZZ_CHECK(path == (f.req.path.empty() ? "/" : f.req.path),
               "S3 path is not encoded exactly once: '" + escape(lines[1]) + "'");
  } else {
    FUZZ_CHECK(lines[1].starts_with('/'), "normalised path without '/': " + escape(lines[1]));
    FUZZ_CHECK(lines[1].find("//") == std::string_view::npos, escape(lines[1]));
  }

  std::vector<std::pair<std::string, std::string>> pairs;  // encoded
  std::vector<std::pair<std::string, std::string>> decoded;
  if (!lines[2].empty()) {
    for (std::string_view kv : split(lines[2], '&')) {
      const size_t eq = kv.find('=');
      FUZZ_CHECK(eq != std::string_view::npos, "query pair without '=': " + escape(lines[2]));
      const std::string_view k = kv.substr(0, eq);
      const std::string_view v = kv.substr(eq + 1);
      decoded.emplace_back(check_and_decode(k, false, "query key"),
                           check_and_decode(v, false, "query value"));
      pairs.emplace_back(k, v);
    }
  }
  std::vector<std::pair<std::string, std::string>> expected(f.req.query.begin(), f.req.query.end());
  std::sort(decoded.begin(), decoded.end());
  std::sort(expected.begin(), expected.end());
  FUZZ_CHECK(decoded == expected, "the query does not decode back: " + escape(lines[2]));
  FUZZ_CHECK(std::is_sorted(pairs.begin(), pairs.end()), "query not sorted: " + escape(lines[2]));

  std::vector<std::string> names;
  for (size_t i = 0; i < n; ++i) {
    const std::string_view line = lines[3 + i];
    const size_t colon = line.find(':');
    FUZZ_CHECK(colon != std::string_view::npos, "header line without ':': " + escape(line));
    const std::string_view value = line.substr(colon + 1);
    FUZZ_CHECK(value.empty() || (!is_space(value.front()) && !is_space(value.back())),
               "header value not trimmed: " + escape(line));
    for (size_t k = 0; k < value.size(); ++k) {
      FUZZ_CHECK(!is_space(value[k]) || (value[k] == ' ' && !is_space(value[k + 1])),
                 "header whitespace not collapsed: " + escape(line));
    }
    names.emplace_back(line.substr(0, colon));
  }
  FUZZ_CHECK(std::adjacent_find(names.begin(), names.end(),
                                [](const auto& a, const auto& b) { return a >= b; }) == names.end(),
             "header names not strictly sorted: " + escape(c));
  std::string signed_list;
  for (const std::string& name : names) {
    if (!signed_list.empty()) signed_list.push_back(';');
    signed_list.append(name);
  }
  FUZZ_CHECK(lines[3 + n].empty(), "no blank line after the headers: " + escape(c));
  FUZZ_CHECK(lines[4 + n] == signed_list, "signed headers '" + escape(lines[4 + n]) + "'");
  FUZZ_CHECK(lines[5 + n] == f.req.payload_sha256, escape(c));
}

bool is_lower_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// Whether the input itself holds the secret key (then finding it in the
// output proves nothing).
bool input_holds(const Fuzzed& f, std::string_view secret) {
  if (f.req.path.find(secret) != std::string::npos) return true;
  if (f.params.region.find(secret) != std::string::npos) return true;
  if (f.creds.session_token.reveal().find(secret) != std::string::npos) return true;
  for (const auto& [k, v] : f.req.query) {
    if (k.find(secret) != std::string::npos || v.find(secret) != std::string::npos) return true;
  }
  for (const auto& [k, v] : f.req.headers) {
    if (v.find(secret) != std::string::npos) return true;
  }
  return false;
}

void check_signing(const Fuzzed& f) {
  // A part of the secret that uri_encode leaves alone, so that it would show
  // as is; unless the input itself holds it.
  constexpr std::string_view kSecretPart = "K7MDENG";
  const bool check_secret = !input_holds(f, kSecretPart);
  const std::map<std::string, std::string> out = s3::sign_request(f.req, f.creds, f.params);
  auto auth = out.find("authorization");
  FUZZ_CHECK(auth != out.end(), "sign_request gave no authorization header");
  const std::string& a = auth->second;
  FUZZ_CHECK(a.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"), escape(a));
  const size_t sig = a.rfind(", Signature=");
  FUZZ_CHECK(sig != std::string::npos, escape(a));
  const std::string_view hex = std::string_view(a).substr(sig + 12);
  FUZZ_CHECK(hex.size() == 64 && is_lower_hex(hex), "signature '" + escape(hex) + "'");
  FUZZ_CHECK(out.count("x-amz-date") == 1 && out.count("host") == 1, "missing signed headers");
  for (const auto& [name, value] : out) {
    FUZZ_CHECK(!check_secret || value.find(kSecretPart) == std::string::npos,
               "the secret key is in header " + name);
  }

  const std::string query = s3::presign_query(f.req, f.creds, f.params, std::chrono::seconds(900));
  FUZZ_CHECK(!check_secret || query.find(kSecretPart) == std::string::npos,
             "the secret key is in the presigned query");
  bool signed_ok = false;
  std::vector<std::pair<std::string_view, std::string_view>> encoded;
  for (std::string_view kv : split(query, '&')) {
    const size_t eq = kv.find('=');
    FUZZ_CHECK(eq != std::string_view::npos, "presigned pair without '=': " + escape(query));
    encoded.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
    const std::string key = check_and_decode(kv.substr(0, eq), false, "presigned key");
    const std::string value = check_and_decode(kv.substr(eq + 1), false, "presigned value");
    // (The request's own query may hold an X-Amz-Signature too.)
    signed_ok =
        signed_ok || (key == "X-Amz-Signature" && value.size() == 64 && is_lower_hex(value));
  }
  FUZZ_CHECK(signed_ok, "presigned query without a signature: " + escape(query));
  // Sorted, but for X-Amz-Signature, put last on purpose (see sigv4.cpp).
  FUZZ_CHECK(encoded.back().first == "X-Amz-Signature" &&
                 std::is_sorted(encoded.begin(), encoded.end() - 1),
             "presigned query not sorted: " + escape(query));
}

}  // namespace
}  // namespace skillsync::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace skillsync::fuzz;
  check_uri_encode(
      std::string_view(reinterpret_cast<const char*>(data), std::min<size_t>(size, 512)));
  FuzzedDataProvider in(data, size);
  const Fuzzed f = make_request(in);
  check_canonical(f);
  check_signing(f);
  return 0;
}
