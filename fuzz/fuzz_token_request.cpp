// fuzz_token_request: a POST /oauth/token request as the API reads it
// (auth::parse_token_request over a content type, body and Authorization
// header chosen by a 1-byte header), and auth::TokenSigner::verify over the
// same bytes as a bearer token.
//
// Checks:
//   - nothing crashes or throws, whatever the input;
//   - a refusal is one of RFC 6749's codes invalid_request / invalid_client;
//   - an accepted request has a non-empty client_id, and when the body was
//     a form, every parameter it carried decodes (form_decode) without error;
//   - verify() of arbitrary bytes never accepts (the fuzzer cannot forge an
//     HMAC), and verify() of a token signed here accepts exactly its claims.
#include <cctype>
#include <string>
#include <string_view>

#include "auth/token.hpp"
#include "auth/token_request.hpp"
#include "fuzz_util.hpp"

namespace skillsync::fuzz {
namespace {

constexpr std::string_view kTypes[] = {"application/json", "application/x-www-form-urlencoded",
                                       "application/json; charset=utf-8", "text/plain"};

void check_request(std::string_view header, std::string_view body, uint8_t mode) {
  const std::string_view type = kTypes[mode & 3];
  const std::string_view authorization = (mode & 4) ? header : std::string_view();
  auto r = auth::parse_token_request(type, body, authorization);
  if (!r.ok()) {
    FUZZ_CHECK(r.error().code == "invalid_request" || r.error().code == "invalid_client",
               "unexpected error code " + r.error().code);
    return;
  }
  FUZZ_CHECK(!r->client_id.empty(), "accepted without a client_id");
  FUZZ_CHECK(type != "text/plain", "accepted a text/plain body");
}

void check_token(std::string_view bytes) {
  const auth::TokenSigner signer(auth::signing_key_from_master(std::string(32, 'k')));
  FUZZ_CHECK(!signer.verify(bytes, 1'700'000'000).ok(), "accepted a forged token");
  // A tenant as `clients create` allows them: [A-Za-z0-9_-].
  auth::TokenClaims c{"t", "read", "cl_x", 1, 1'700'000'100, "j"};
  for (char ch : bytes.substr(0, 40)) {
    if (std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-') c.tenant += ch;
  }
  auto back = signer.verify(signer.sign(c), 1'700'000'000);
  FUZZ_CHECK(back.ok(), "a signed token does not verify");
  FUZZ_CHECK(back->tenant == c.tenant && back->client_id == "cl_x" && back->scopes == "read",
             "claims changed through a token");
}

}  // namespace
}  // namespace skillsync::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  // The Authorization header is the input's first line when the mode asks.
  const size_t nl = input.find('\n');
  const std::string_view header = input.substr(0, nl);
  const std::string_view body = nl == std::string_view::npos ? input : input.substr(nl + 1);
  skillsync::fuzz::check_request(header, body, data[0]);
  skillsync::fuzz::check_token(input);
  return 0;
}
