// auth/token: HS256 access tokens (see the header for the format and checks).
#include "auth/token.hpp"

#include <boost/json.hpp>

#include "common/crypto.hpp"

namespace skillsync::auth {
namespace json = boost::json;
namespace {

constexpr std::string_view kHeaderJson = R"({"alg":"HS256","typ":"JWT"})";

std::string signature(std::string_view key, std::string_view signed_part) {
  const crypto::Digest mac = crypto::hmac_sha256(key, signed_part);
  return crypto::base64url(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
}

// "read,write" <-> "read write" (the OAuth `scope` form).
std::string spaces_for_commas(std::string s) {
  for (char& c : s) c = c == ',' ? ' ' : c;
  return s;
}
std::string commas_for_spaces(std::string s) {
  for (char& c : s) c = c == ' ' ? ',' : c;
  return s;
}

Error invalid(std::string message) { return Error{Errc::kInvalidToken, std::move(message)}; }

Result<json::object> decode_object(std::string_view part, std::string_view what) {
  auto bytes = crypto::base64url_decode(part);
  if (!bytes.ok()) return invalid(std::string(what) + " is not base64url");
  boost::system::error_code ec;
  json::value v = json::parse(*bytes, ec);
  if (ec || !v.is_object()) return invalid(std::string(what) + " is not a JSON object");
  return std::move(v.get_object());
}

Result<TokenClaims> claims_from(const json::object& o) {
  auto str = [&](std::string_view k) -> const json::string* {
    auto it = o.find(k);
    return it != o.end() && it->value().is_string() ? &it->value().get_string() : nullptr;
  };
  auto num = [&](std::string_view k) -> const json::value* {
    auto it = o.find(k);
    return it != o.end() && it->value().is_int64() ? &it->value() : nullptr;
  };
  const json::string* tenant = str("tenant");
  const json::string* scope = str("scope");
  const json::string* client = str("client_id");
  const json::string* jti = str("jti");
  const json::value* iat = num("iat");
  const json::value* exp = num("exp");
  if (!tenant || !scope || !client || !jti || !iat || !exp || tenant->empty() || client->empty()) {
    return invalid("the token lacks a claim");
  }
  TokenClaims c;
  c.tenant = std::string(*tenant);
  c.scopes = commas_for_spaces(std::string(*scope));
  c.client_id = std::string(*client);
  c.jti = std::string(*jti);
  c.iat = iat->get_int64();
  c.exp = exp->get_int64();
  return c;
}

bool is_base64url(std::string_view s) {
  for (char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return !s.empty();
}

}  // namespace

SecretString signing_key_from_master(std::string_view master_key) {
  const crypto::Digest d = crypto::hmac_sha256(master_key, "skillsync oauth token signing key v1");
  return SecretString(std::string(reinterpret_cast<const char*>(d.data()), d.size()));
}

bool looks_like_token(std::string_view bearer) {
  if (!bearer.starts_with("eyJ")) return false;
  const size_t a = bearer.find('.');
  const size_t b = a == std::string_view::npos ? a : bearer.find('.', a + 1);
  if (b == std::string_view::npos || bearer.find('.', b + 1) != std::string_view::npos) {
    return false;
  }
  return is_base64url(bearer.substr(0, a)) && is_base64url(bearer.substr(a + 1, b - a - 1)) &&
         is_base64url(bearer.substr(b + 1));
}

std::string TokenSigner::sign(const TokenClaims& c) const {
  json::object payload{{"tenant", c.tenant},
                       {"scope", spaces_for_commas(c.scopes)},
                       {"client_id", c.client_id},
                       {"iat", c.iat},
                       {"exp", c.exp},
                       {"jti", c.jti}};
  std::string out =
      crypto::base64url(kHeaderJson) + "." + crypto::base64url(json::serialize(payload));
  const std::string sig = signature(key_.reveal(), out);
  return out + "." + sig;
}

Result<TokenClaims> TokenSigner::verify(std::string_view token, int64_t now_seconds) const {
  if (!looks_like_token(token)) return invalid("not a token");
  const size_t a = token.find('.');
  const size_t b = token.find('.', a + 1);
  SKILLSYNC_ASSIGN_OR_RETURN(auto header, decode_object(token.substr(0, a), "the header"));
  auto alg = header.find("alg");
  if (alg == header.end() || !alg->value().is_string() || alg->value().get_string() != "HS256") {
    return invalid("the token's algorithm is not HS256");
  }
  const std::string want = signature(key_.reveal(), token.substr(0, b));
  if (!crypto::constant_time_equal(want, token.substr(b + 1))) {
    return invalid("the token's signature does not match");
  }
  SKILLSYNC_ASSIGN_OR_RETURN(auto payload,
                             decode_object(token.substr(a + 1, b - a - 1), "the payload"));
  SKILLSYNC_ASSIGN_OR_RETURN(auto claims, claims_from(payload));
  if (claims.iat > now_seconds) return invalid("the token was issued in the future");
  if (now_seconds >= claims.exp) return Error{Errc::kExpiredToken, "the token has expired"};
  return claims;
}

}  // namespace skillsync::auth
