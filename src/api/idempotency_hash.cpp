// Idempotency fingerprint: see idempotency_hash.hpp.
#include "api/idempotency_hash.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <string_view>
#include <vector>

#include "common/crypto.hpp"

namespace skillsync::api {
namespace json = boost::json;

namespace {

// Whether the member `name` of the object at `path` ("" for the top level)
// is a secret to leave out.
bool is_secret(std::string_view path, std::string_view name) {
  return path == "credentials" && (name == "aws_secret_access_key" || name == "aws_session_token");
}

void canonical(const json::value& v, std::string_view path, bool presigned, std::string& out) {
  if (!v.is_object()) {
    if (!v.is_array()) {
      out += json::serialize(v);
      return;
    }
    out += '[';
    bool first = true;
    for (const auto& item : v.get_array()) {
      if (!first) out += ',';
      first = false;
      canonical(item, "[]", false, out);
    }
    out += ']';
    return;
  }
  const json::object& o = v.get_object();
  std::vector<std::string_view> names;
  for (const auto& kv : o) names.push_back(kv.key());
  std::sort(names.begin(), names.end());
  out += '{';
  bool first = true;
  for (std::string_view name : names) {
    if (is_secret(path, name)) continue;
    if (!first) out += ',';
    first = false;
    out += json::serialize(json::string(name));
    out += ':';
    const json::value& member = o.at(name);
    if (path.empty() && name == "uri" && presigned && member.is_string()) {
      std::string_view uri = member.get_string();
      out += json::serialize(json::string(uri.substr(0, uri.find('?'))));
    } else {
      canonical(member, path.empty() ? name : "[nested]", false, out);
    }
  }
  out += '}';
}

}  // namespace

std::string idempotency_canonical_form(const json::value& body) {
  bool presigned = false;
  if (body.is_object()) {
    const json::value* method = body.get_object().if_contains("method");
    presigned =
        method != nullptr && method->is_string() && method->get_string() == "s3_presigned_url";
  }
  std::string out;
  canonical(body, "", presigned, out);
  return out;
}

std::string idempotency_hash(const json::value& body) {
  return crypto::sha256_hex(idempotency_canonical_form(body));
}

}  // namespace skillsync::api
