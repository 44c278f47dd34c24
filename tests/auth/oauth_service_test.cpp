// auth/oauth_service: the client-credentials grant against a real (SQLite)
// store, token lifetime and revocation with an injected clock.
#include "auth/oauth_service.hpp"

#include <gtest/gtest.h>

#include "auth/secret_hash.hpp"
#include "support/sqlite_store_test.hpp"

namespace skillsync::auth {
namespace {

constexpr Micros kSecond = 1'000'000;

class ManualClock final : public Clock {
 public:
  Micros now() const override { return t; }
  Micros t = 1'700'000'000 * kSecond;
};

class OAuthServiceTest : public testsupport::SqliteStoreTest {
 protected:
  void SetUp() override {
    SqliteStoreTest::SetUp();
    if (HasFatalFailure()) return;
    OAuthConfig config;
    config.token_lifetime_seconds = 600;
    service_ = std::make_unique<OAuthService>(
        *store_, signing_key_from_master(std::string(32, 'm')), clock_, config);
    add_client("cl_rw", "acme", "read,write", "cs_rw");
    add_client("cl_r", "acme", "read", "cs_r");
  }

  void add_client(const std::string& id, const std::string& tenant, const std::string& scopes,
                  const std::string& secret) {
    store::OAuthClient c{id, tenant, scopes, hash_client_secret(secret, 1000), clock_.t, {}, {}};
    ASSERT_TRUE(store_->add_oauth_client(c).ok());
  }

  static TokenRequest request(std::string id, std::string secret) {
    TokenRequest r;
    r.grant_type = "client_credentials";
    r.client_id = std::move(id);
    r.client_secret = SecretString(std::move(secret));
    return r;
  }

  std::string error_of(const TokenRequest& r) {
    auto issued = service_->issue(r);
    return issued.ok() ? "ok" : issued.error().code;
  }

  ManualClock clock_;
  std::unique_ptr<OAuthService> service_;
};

TEST_F(OAuthServiceTest, IssuesATokenThatAuthenticatesAsTheClient) {
  auto issued = service_->issue(request("cl_rw", "cs_rw"));
  ASSERT_TRUE(issued.ok()) << issued.error().message;
  EXPECT_EQ(issued->expires_in, 600);
  EXPECT_EQ(issued->scope, "read write");
  auto who = service_->authenticate(issued->access_token);
  ASSERT_TRUE(who.ok()) << who.error().message;
  EXPECT_EQ(who->client_id, "cl_rw");
  EXPECT_EQ(who->tenant, "acme");
  EXPECT_EQ(who->scopes, "read,write");
  EXPECT_EQ(store_->get_oauth_client("cl_rw")->value().last_used_at, clock_.t);
}

TEST_F(OAuthServiceTest, GrantsTheRequestedSubsetOfScopesOnly) {
  TokenRequest r = request("cl_rw", "cs_rw");
  r.scope = "read";
  auto issued = service_->issue(r);
  ASSERT_TRUE(issued.ok());
  EXPECT_EQ(issued->scope, "read");
  EXPECT_EQ(service_->authenticate(issued->access_token)->scopes, "read");
  TokenRequest more = request("cl_r", "cs_r");
  more.scope = "read write";
  EXPECT_EQ(error_of(more), "invalid_scope");
  more.scope = "admin";
  EXPECT_EQ(error_of(more), "invalid_scope");
  more.scope = "";
  EXPECT_EQ(error_of(more), "invalid_scope");
}

TEST_F(OAuthServiceTest, RefusesBadClientsGrantsAndTenants) {
  EXPECT_EQ(error_of(request("cl_rw", "cs_wrong")), "invalid_client");
  EXPECT_EQ(error_of(request("cl_nobody", "cs_rw")), "invalid_client");
  TokenRequest grant = request("cl_rw", "cs_rw");
  grant.grant_type = "password";
  EXPECT_EQ(error_of(grant), "unsupported_grant_type");
  grant.grant_type = "";
  EXPECT_EQ(error_of(grant), "invalid_request");
  TokenRequest tenant = request("cl_rw", "cs_rw");
  tenant.tenant = "other";
  EXPECT_EQ(error_of(tenant), "invalid_request");
  tenant.tenant = "acme";
  EXPECT_EQ(error_of(tenant), "ok");
  // The client is authenticated first: a wrong secret with a bad grant type
  // says nothing about the grant.
  TokenRequest both = request("cl_rw", "cs_wrong");
  both.grant_type = "password";
  EXPECT_EQ(error_of(both), "invalid_client");
}

TEST_F(OAuthServiceTest, TokensExpireAfterTheirLifetime) {
  auto issued = service_->issue(request("cl_rw", "cs_rw"));
  ASSERT_TRUE(issued.ok());
  clock_.t += 599 * kSecond;
  EXPECT_TRUE(service_->authenticate(issued->access_token).ok());
  clock_.t += kSecond;
  auto late = service_->authenticate(issued->access_token);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, "expired_token");
}

TEST_F(OAuthServiceTest, ARevokedClientGetsNoTokenAndItsTokensStopWithinTheBound) {
  auto issued = service_->issue(request("cl_rw", "cs_rw"));
  ASSERT_TRUE(issued.ok());
  ASSERT_TRUE(service_->authenticate(issued->access_token).ok());  // cached as not revoked
  ASSERT_TRUE(store_->revoke_oauth_client("cl_rw", clock_.t).value());
  EXPECT_EQ(error_of(request("cl_rw", "cs_rw")), "invalid_client") << "no new token at once";
  // Within the check interval the cached answer may still stand ...
  clock_.t += 29 * kSecond;
  EXPECT_TRUE(service_->authenticate(issued->access_token).ok());
  // ... and from the interval on the token is refused, for good.
  clock_.t += kSecond;
  auto refused = service_->authenticate(issued->access_token);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "revoked_client");
  clock_.t += kSecond;
  EXPECT_EQ(service_->authenticate(issued->access_token).error().code, "revoked_client");
}

TEST_F(OAuthServiceTest, AnotherDeploymentsTokenIsRefused) {
  OAuthService other(*store_, signing_key_from_master(std::string(32, 'o')), clock_);
  auto issued = other.issue(request("cl_rw", "cs_rw"));
  ASSERT_TRUE(issued.ok());
  EXPECT_EQ(service_->authenticate(issued->access_token).error().code, "invalid_token");
}

TEST(RequestedScopes, AreNormalized) {
  EXPECT_EQ(normalize_requested_scopes("write read").value(), "read,write");
  EXPECT_EQ(normalize_requested_scopes("read,write").value(), "read,write");
  EXPECT_EQ(normalize_requested_scopes(" read ").value(), "read");
  EXPECT_EQ(normalize_requested_scopes("write").value(), "write");
  EXPECT_EQ(normalize_requested_scopes("read delete").error().code, "invalid_scope");
}

}  // namespace
}  // namespace skillsync::auth
