// The Api with OAuth2 enabled (no sockets): POST /oauth/token answers, tokens
// authenticate beside API keys with the same scope checks, the rate limit is
// kept per client, and a revoked client's token is refused within the 30 s
// revocation bound (an injected clock).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "api/api.hpp"
#include "auth/oauth_service.hpp"
#include "auth/secret_hash.hpp"
#include "common/crypto.hpp"
#include "support/sqlite_store_test.hpp"

namespace skillsync::api {
namespace {
namespace json = boost::json;

constexpr Micros kSecond = 1'000'000;

class ManualClock final : public Clock {
 public:
  Micros now() const override { return t; }
  Micros t = 1'700'000'000 * kSecond;
};

std::string header(const HttpResponse& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

class OAuthApiTest : public testsupport::SqliteStoreTest {
 protected:
  void SetUp() override {
    SqliteStoreTest::SetUp();
    if (HasFatalFailure()) return;
    service_ = std::make_unique<tasks::TaskService>(*store_, master_, clock_);
    oauth_ = std::make_unique<auth::OAuthService>(
        *store_, auth::signing_key_from_master(master_.bytes()), clock_);
    start_api(RateLimit{0, 1});
    for (const auto& [id, scopes] : {std::pair{"cl_rw", "read,write"}, {"cl_r", "read"}}) {
      store::OAuthClient c{id, "acme", scopes, auth::hash_client_secret("cs", 1000), 0, {}, {}};
      ASSERT_TRUE(store_->add_oauth_client(c).ok());
    }
  }
  void TearDown() override {
    api_.reset();
    oauth_.reset();
    service_.reset();
    SqliteStoreTest::TearDown();
  }
  void start_api(RateLimit limit) {
    api_ = std::make_unique<Api>(*store_, *service_, nullptr, limit, clock_);
    api_->enable_oauth(*oauth_);
  }

  HttpResponse token_request(const std::string& form) {
    HttpRequest r;
    r.method = "POST";
    r.target = "/oauth/token";
    r.content_type = "application/x-www-form-urlencoded";
    r.body = form;
    return api_->handle(r);
  }
  std::string token(const std::string& client) {
    HttpResponse r =
        token_request("grant_type=client_credentials&client_id=" + client + "&client_secret=cs");
    EXPECT_EQ(r.status, 200) << r.body;
    return std::string(json::parse(r.body).at("access_token").as_string());
  }
  HttpResponse call(const std::string& method, const std::string& target, const std::string& bearer,
                    const std::string& body = "") {
    HttpRequest r;
    r.method = method;
    r.target = target;
    r.authorization = "Bearer " + bearer;
    r.body = body;
    return api_->handle(r);
  }

  ManualClock clock_;
  tasks::MasterKey master_{SecretString(crypto::random_bytes(32))};
  std::unique_ptr<tasks::TaskService> service_;
  std::unique_ptr<auth::OAuthService> oauth_;
  std::unique_ptr<Api> api_;
};

TEST_F(OAuthApiTest, TheTokenEndpointAnswersWithoutAKeyAndIsNeverCached) {
  HttpResponse ok = token_request("grant_type=client_credentials&client_id=cl_r&client_secret=cs");
  ASSERT_EQ(ok.status, 200) << ok.body;
  const json::object body = json::parse(ok.body).as_object();
  EXPECT_EQ(body.at("token_type").as_string(), "Bearer");
  EXPECT_EQ(body.at("expires_in").as_int64(), 10800);
  EXPECT_EQ(body.at("scope").as_string(), "read");
  EXPECT_EQ(header(ok, "Cache-Control"), "no-store");

  HttpResponse bad = token_request("grant_type=client_credentials&client_id=cl_r&client_secret=x");
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(json::parse(bad.body).at("error").as_string(), "invalid_client");
  EXPECT_EQ(header(bad, "WWW-Authenticate"), "Basic realm=\"skillsync\"");
  EXPECT_EQ(header(bad, "Cache-Control"), "no-store");
  EXPECT_EQ(token_request("grant_type=password&client_id=cl_r&client_secret=cs").status, 400);
  // Other methods on the public path: 405, no key needed.
  EXPECT_EQ(call("GET", "/oauth/token", "").status, 405);
}

TEST_F(OAuthApiTest, TokensCarryTenantAndScopesLikeKeys) {
  const std::string rw = token("cl_rw");
  HttpResponse version = call("GET", "/version", rw);
  ASSERT_EQ(version.status, 200) << version.body;
  const json::object v = json::parse(version.body).as_object();
  EXPECT_EQ(v.at("tenant").as_string(), "acme");
  EXPECT_EQ(json::serialize(v.at("scopes")), R"(["read","write"])");
  EXPECT_EQ(v.at("auth").as_string(), "oauth");
  EXPECT_EQ(call("POST", "/integrations/file-load-tasks/none/cancel", rw).status, 404);

  HttpResponse refused = call("POST", "/integrations/file-load-tasks/none/cancel", token("cl_r"));
  EXPECT_EQ(refused.status, 403);
  EXPECT_NE(refused.body.find("this access token lacks the 'write' scope"), std::string::npos);
  HttpResponse bad =
      call("GET", "/version", rw.substr(0, rw.size() - 1) + (rw.back() == 'A' ? "B" : "A"));
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(header(bad, "WWW-Authenticate").rfind("Bearer error=\"invalid_token\"", 0), 0u);
}

TEST_F(OAuthApiTest, TheRateLimitIsPerClient) {
  start_api(RateLimit{0.001, 1});
  const std::string a = token("cl_rw");
  const std::string a_again = token("cl_rw");
  EXPECT_EQ(call("GET", "/version", a).status, 200);
  HttpResponse limited = call("GET", "/version", a_again);
  EXPECT_EQ(limited.status, 429) << "two tokens of one client share its bucket";
  EXPECT_NE(limited.body.find("access token"), std::string::npos);
  EXPECT_EQ(call("GET", "/version", token("cl_r")).status, 200) << "another client has its own";
}

TEST_F(OAuthApiTest, ARevokedClientsTokenIsRefusedWithinThirtySeconds) {
  const std::string t = token("cl_rw");
  ASSERT_EQ(call("GET", "/version", t).status, 200);
  ASSERT_TRUE(store_->revoke_oauth_client("cl_rw", clock_.t).value());
  clock_.t += 29 * kSecond;
  EXPECT_EQ(call("GET", "/version", t).status, 200) << "the cached check may stand 30 s";
  clock_.t += kSecond;
  HttpResponse refused = call("GET", "/version", t);
  EXPECT_EQ(refused.status, 401);
  EXPECT_NE(refused.body.find("revoked"), std::string::npos);
}

TEST_F(OAuthApiTest, ATokenExpiresAfterItsLifetime) {
  const std::string t = token("cl_r");
  clock_.t += 10799 * kSecond;
  EXPECT_EQ(call("GET", "/version", t).status, 200);
  clock_.t += kSecond;
  HttpResponse expired = call("GET", "/version", t);
  EXPECT_EQ(expired.status, 401);
  EXPECT_NE(expired.body.find("expired"), std::string::npos);
}

}  // namespace
}  // namespace skillsync::api
