// auth/token_request: JSON, form and HTTP Basic parsing of token requests.
#include "auth/token_request.hpp"

#include <boost/json.hpp>
#include <map>

#include "common/crypto.hpp"

namespace skillsync::auth {
namespace json = boost::json;
namespace {

Error bad_request(std::string message) { return Error{"invalid_request", std::move(message)}; }

using Params = std::map<std::string, std::string, std::less<>>;

std::string_view media_type(std::string_view ct) {
  ct = ct.substr(0, ct.find(';'));
  while (!ct.empty() && ct.back() == ' ') ct.remove_suffix(1);
  return ct;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<Params> parse_form(std::string_view body) {
  Params out;
  while (!body.empty()) {
    const size_t amp = body.find('&');
    const std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    auto name = form_decode(pair.substr(0, eq));
    auto value = form_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    if (!name.ok()) return name.error();
    if (!value.ok()) return value.error();
    if (!out.emplace(std::move(*name), std::move(*value)).second) {
      return bad_request("a parameter appears more than once");
    }
  }
  return out;
}

// One JSON field into `out`: strings as they are, `scopes` arrays joined by
// spaces; anything else is refused.
Status json_field(std::string_view name, const json::value& v, Params& out) {
  if (v.is_string()) {
    out[std::string(name)] = std::string(v.get_string());
    return ok_status();
  }
  if ((name == "scopes" || name == "scope") && v.is_array()) {
    std::string joined;
    for (const json::value& item : v.get_array()) {
      if (!item.is_string()) return bad_request("scopes must be strings");
      if (!joined.empty()) joined += ' ';
      joined += std::string(item.get_string());
    }
    out[std::string(name)] = joined;
    return ok_status();
  }
  return bad_request(std::string(name) + " must be a string");
}

Result<Params> parse_json(std::string_view body) {
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 8;
  json::value v = json::parse(body, ec, {}, opts);
  if (ec || !v.is_object()) return bad_request("the body is not a JSON object");
  static constexpr std::string_view kKnown[] = {
      "client_id", "client_secret", "grant_type", "audience", "tenant", "scopes", "scope"};
  Params out;
  for (const auto& field : v.get_object()) {
    for (std::string_view known : kKnown) {
      if (field.key() != known) continue;
      SKILLSYNC_TRY(json_field(known, field.value(), out));
    }
  }
  return out;
}

// Standard base64 (padding optional) through the base64url decoder.
Result<std::string> base64_decode(std::string_view text) {
  std::string s(text);
  while (!s.empty() && s.back() == '=') s.pop_back();
  for (char& c : s) {
    if (c == '+')
      c = '-';
    else if (c == '/')
      c = '_';
    else if (c == '-' || c == '_')
      return Error{"invalid_request", "not base64"};
  }
  return crypto::base64url_decode(s);
}

// Basic credentials into `req`; false when the header is not Basic.
Result<bool> read_basic(std::string_view authorization, TokenRequest& req) {
  const size_t space = authorization.find(' ');
  if (space == std::string_view::npos || !iequals(authorization.substr(0, space), "Basic")) {
    return false;
  }
  std::string_view encoded = authorization.substr(space + 1);
  while (!encoded.empty() && encoded.front() == ' ') encoded.remove_prefix(1);
  auto decoded = base64_decode(encoded);
  if (!decoded.ok()) return bad_request("the Basic credentials are not base64");
  SecretString plain(std::move(*decoded));
  const size_t colon = plain.reveal().find(':');
  if (colon == std::string::npos) return bad_request("the Basic credentials lack a ':'");
  auto id = form_decode(std::string_view(plain.reveal()).substr(0, colon));
  auto secret = form_decode(std::string_view(plain.reveal()).substr(colon + 1));
  if (!id.ok() || !secret.ok()) return bad_request("the Basic credentials are badly encoded");
  req.client_id = std::move(*id);
  req.client_secret = SecretString(std::move(*secret));
  req.basic_auth = true;
  return true;
}

std::optional<std::string> take(Params& p, std::string_view name) {
  auto it = p.find(name);
  if (it == p.end()) return std::nullopt;
  std::string v = std::move(it->second);
  p.erase(it);
  return v;
}

}  // namespace

Result<std::string> form_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c != '%') {
      out += c;
    } else {
      const int hi = i + 2 < text.size() ? hex_value(text[i + 1]) : -1;
      const int lo = hi >= 0 ? hex_value(text[i + 2]) : -1;
      if (lo < 0) return bad_request("a bad %-escape in the form body");
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    }
  }
  return out;
}

Result<TokenRequest> parse_token_request(std::string_view content_type, std::string_view body,
                                         std::string_view authorization) {
  const std::string_view media = media_type(content_type);
  Result<Params> params = Params{};
  if (iequals(media, "application/x-www-form-urlencoded")) {
    params = parse_form(body);
  } else if (iequals(media, "application/json")) {
    params = parse_json(body);
  } else {
    return bad_request("the body must be application/x-www-form-urlencoded or application/json");
  }
  if (!params.ok()) return params.error();
  TokenRequest req;
  SKILLSYNC_ASSIGN_OR_RETURN(auto basic, read_basic(authorization, req));
  auto id = take(*params, "client_id");
  auto secret = take(*params, "client_secret");
  if (basic && (secret || (id && *id != req.client_id))) {
    return bad_request("use either HTTP Basic or client_secret in the body, not both");
  }
  if (!basic) {
    if (!id || !secret || id->empty()) {
      return Error{Errc::kInvalidClient,
                   "client authentication is missing (client_id and "
                   "client_secret, or HTTP Basic)"};
    }
    req.client_id = std::move(*id);
    req.client_secret = SecretString(std::move(*secret));
  }
  req.grant_type = take(*params, "grant_type").value_or("");
  req.audience = take(*params, "audience");
  req.tenant = take(*params, "tenant");
  req.scope = take(*params, "scope");
  if (auto scopes = take(*params, "scopes")) {
    if (req.scope) return bad_request("give scope or scopes, not both");
    req.scope = std::move(scopes);
  }
  return req;
}

}  // namespace skillsync::auth
