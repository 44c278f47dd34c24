// Store contract: OAuth clients (add, get, list, revoke, last use), as
// `skillsync clients` and POST /oauth/token rely on them.
#include <string>
#include <vector>

#include "store_contract.hpp"

namespace skillsync::store::testing {
namespace {

OAuthClient make_client(std::string id, std::string tenant, std::string scopes, Micros created) {
  OAuthClient c;
  c.id = std::move(id);
  c.tenant = std::move(tenant);
  c.scopes = std::move(scopes);
  c.secret_hash = "pbkdf2-sha256$1000$salt-of-" + c.id + "$hash";
  c.created_at = created;
  return c;
}

TEST_P(StoreContract, AnOAuthClientIsFoundByIdWithEveryField) {
  ASSERT_TRUE(store().add_oauth_client(make_client("cl-1", "acme", "read,write", 100)).ok());
  auto found = store().get_oauth_client("cl-1");
  ASSERT_TRUE(found.ok()) << found.error().message;
  ASSERT_TRUE(found->has_value());
  const OAuthClient& c = **found;
  EXPECT_EQ(c.id, "cl-1");
  EXPECT_EQ(c.tenant, "acme");
  EXPECT_EQ(c.scopes, "read,write");
  EXPECT_EQ(c.secret_hash, "pbkdf2-sha256$1000$salt-of-cl-1$hash");
  EXPECT_EQ(c.created_at, 100);
  EXPECT_FALSE(c.last_used_at.has_value());
  EXPECT_FALSE(c.revoked_at.has_value());

  auto missing = store().get_oauth_client("cl-404");
  ASSERT_TRUE(missing.ok()) << missing.error().message;
  EXPECT_FALSE(missing->has_value());
}

TEST_P(StoreContract, AnOAuthClientIdIsUnique) {
  ASSERT_TRUE(store().add_oauth_client(make_client("cl-1", "acme", "read", 100)).ok());
  Status again = store().add_oauth_client(make_client("cl-1", "other", "write", 200));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "already_exists");
  EXPECT_EQ(store().get_oauth_client("cl-1")->value().tenant, "acme");
}

TEST_P(StoreContract, ListOAuthClientsOrdersByCreatedThenIdWithoutHashes) {
  EXPECT_TRUE(store().list_oauth_clients()->empty());
  ASSERT_TRUE(store().add_oauth_client(make_client("cl-c", "acme", "read", 300)).ok());
  ASSERT_TRUE(store().add_oauth_client(make_client("cl-b", "acme", "read,write", 100)).ok());
  ASSERT_TRUE(store().add_oauth_client(make_client("cl-a", "other", "write", 100)).ok());
  ASSERT_TRUE(store().add_oauth_client(make_client("cl-now", "acme", "read", 0)).ok());
  auto clients = store().list_oauth_clients();
  ASSERT_TRUE(clients.ok()) << clients.error().message;
  std::vector<std::string> ids;
  for (const auto& c : *clients) {
    ids.push_back(c.id);
    EXPECT_EQ(c.secret_hash, "") << "listing never carries the secret's hash";
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"cl-a", "cl-b", "cl-c", "cl-now"}));
  EXPECT_EQ(clients->at(0).tenant, "other");
  EXPECT_EQ(clients->at(0).scopes, "write");
  EXPECT_EQ(clients->at(3).created_at, clock_.now()) << "created_at 0 is the store's now";
}

TEST_P(StoreContract, RevokingAnOAuthClientRecordsTheFirstTimeOnly) {
  ASSERT_TRUE(store().add_oauth_client(make_client("cl-1", "acme", "read", 10)).ok());
  ASSERT_TRUE(store().add_oauth_client(make_client("cl-2", "acme", "read", 20)).ok());
  auto revoked = store().revoke_oauth_client("cl-1", 60);
  ASSERT_TRUE(revoked.ok()) << revoked.error().message;
  EXPECT_TRUE(*revoked);
  EXPECT_EQ(store().get_oauth_client("cl-1")->value().revoked_at, 60);
  EXPECT_FALSE(store().get_oauth_client("cl-2")->value().revoked_at.has_value());

  auto again = store().revoke_oauth_client("cl-1", 70);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
  EXPECT_EQ(store().get_oauth_client("cl-1")->value().revoked_at, 60);
  EXPECT_FALSE(store().revoke_oauth_client("cl-404", 80).value());
  EXPECT_EQ(store().list_oauth_clients()->at(0).revoked_at, 60) << "revoked clients stay listed";
}

TEST_P(StoreContract, TouchRecordsTheLatestUseOfThatClientOnly) {
  ASSERT_TRUE(store().add_oauth_client(make_client("cl-1", "acme", "read", 10)).ok());
  ASSERT_TRUE(store().add_oauth_client(make_client("cl-2", "acme", "read", 20)).ok());
  ASSERT_TRUE(store().touch_oauth_client("cl-1", 1000).ok());
  ASSERT_TRUE(store().touch_oauth_client("cl-1", 2000).ok());
  EXPECT_EQ(store().get_oauth_client("cl-1")->value().last_used_at, 2000);
  EXPECT_FALSE(store().get_oauth_client("cl-2")->value().last_used_at.has_value());
  EXPECT_TRUE(store().touch_oauth_client("cl-404", 3000).ok()) << "an unknown id is no error";
}

}  // namespace
}  // namespace skillsync::store::testing
