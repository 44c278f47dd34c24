// Store contract: managing API keys (list, revoke, last use), as `skillsync
// keys` and the API's authentication rely on them.
#include <string>
#include <vector>

#include "store_contract.hpp"

namespace skillsync::store::testing {
namespace {

std::vector<std::string> ids_of(const std::vector<ApiKey>& keys) {
  std::vector<std::string> out;
  for (const auto& k : keys) out.push_back(k.id);
  return out;
}

const ApiKey* by_id(const std::vector<ApiKey>& keys, std::string_view id) {
  for (const auto& k : keys) {
    if (k.id == id) return &k;
  }
  return nullptr;
}

TEST_P(StoreContract, ListApiKeysIsEmptyAtFirst) {
  auto keys = store().list_api_keys();
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  EXPECT_TRUE(keys->empty());
}

TEST_P(StoreContract, ListApiKeysOrdersByCreatedThenIdWithEveryField) {
  ASSERT_TRUE(store().add_api_key(make_api_key("key-c", "acme", "read", 300), "h-c").ok());
  ASSERT_TRUE(store().add_api_key(make_api_key("key-b", "acme", "read,write", 100), "h-b").ok());
  ASSERT_TRUE(store().add_api_key(make_api_key("key-a", "other", "write", 100), "h-a").ok());
  // created_at == 0: the store's clock.
  ASSERT_TRUE(store().add_api_key(make_api_key("key-now", "acme", "read", 0), "h-now").ok());

  auto keys = store().list_api_keys();
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  EXPECT_EQ(ids_of(*keys), (std::vector<std::string>{"key-a", "key-b", "key-c", "key-now"}));
  const ApiKey& a = keys->at(0);
  EXPECT_EQ(a.tenant, "other");
  EXPECT_EQ(a.scopes, "write");
  EXPECT_EQ(a.created_at, 100);
  EXPECT_FALSE(a.last_used_at.has_value());
  EXPECT_FALSE(a.revoked_at.has_value());
  EXPECT_EQ(keys->at(1).scopes, "read,write");
  EXPECT_EQ(keys->at(3).created_at, clock_.now());
}

TEST_P(StoreContract, ARevokedKeyIsNeverFoundAgainButStaysListed) {
  ASSERT_TRUE(store().add_api_key(make_api_key("key-1", "acme", "read,write", 10), "h-1").ok());
  ASSERT_TRUE(store().add_api_key(make_api_key("key-2", "acme", "read", 20), "h-2").ok());
  ASSERT_TRUE(store().find_api_key("h-1")->has_value());

  const Micros at = clock_.now() + 5;
  auto revoked = store().revoke_api_key("key-1", at);
  ASSERT_TRUE(revoked.ok()) << revoked.error().message;
  EXPECT_TRUE(*revoked);

  auto found = store().find_api_key("h-1");
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_FALSE(found->has_value()) << "a revoked key must not authenticate";
  EXPECT_TRUE(store().find_api_key("h-2")->has_value()) << "other keys are untouched";

  auto keys = store().list_api_keys();
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 2u);
  const ApiKey* k1 = by_id(*keys, "key-1");
  ASSERT_NE(k1, nullptr);
  EXPECT_EQ(k1->revoked_at, at);
  EXPECT_EQ(k1->tenant, "acme");
  EXPECT_FALSE(by_id(*keys, "key-2")->revoked_at.has_value());
  // Revoked keys still count, so a server does not bootstrap a new first key.
  EXPECT_EQ(store().count_api_keys().value(), 2u);
}

TEST_P(StoreContract, RevokingAnUnknownOrRevokedKeyReturnsFalseAndChangesNothing) {
  ASSERT_TRUE(store().add_api_key(make_api_key("key-1", "acme", "read", 10), "h-1").ok());
  auto unknown = store().revoke_api_key("key-404", 50);
  ASSERT_TRUE(unknown.ok()) << unknown.error().message;
  EXPECT_FALSE(*unknown);
  EXPECT_TRUE(store().find_api_key("h-1")->has_value());

  ASSERT_TRUE(store().revoke_api_key("key-1", 60).value());
  auto again = store().revoke_api_key("key-1", 70);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_FALSE(*again);
  EXPECT_EQ(store().list_api_keys()->at(0).revoked_at, 60) << "the first revocation time stays";
  // Revoking by hash is not a thing: ids and hashes are different namespaces.
  ASSERT_TRUE(store().add_api_key(make_api_key("key-2", "acme", "read", 10), "h-2").ok());
  EXPECT_FALSE(store().revoke_api_key("h-2", 80).value());
  EXPECT_TRUE(store().find_api_key("h-2")->has_value());
}

TEST_P(StoreContract, ARevokedKeyCannotBeAddedBackUnderItsHash) {
  ASSERT_TRUE(store().add_api_key(make_api_key("key-1", "acme", "read", 10), "h-1").ok());
  ASSERT_TRUE(store().revoke_api_key("key-1", 20).value());
  auto again = store().add_api_key(make_api_key("key-2", "acme", "read,write", 30), "h-1");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "already_exists");
  EXPECT_FALSE(store().find_api_key("h-1")->has_value());
}

TEST_P(StoreContract, TouchRecordsTheLatestUseOfThatKeyOnly) {
  ASSERT_TRUE(store().add_api_key(make_api_key("key-1", "acme", "read", 10), "h-1").ok());
  ASSERT_TRUE(store().add_api_key(make_api_key("key-2", "acme", "read", 20), "h-2").ok());
  Status touched = store().touch_api_key("key-1", 1000);
  ASSERT_TRUE(touched.ok()) << touched.error().message;

  auto found = store().find_api_key("h-1");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->last_used_at, 1000);
  EXPECT_FALSE(store().find_api_key("h-2")->value().last_used_at.has_value());

  ASSERT_TRUE(store().touch_api_key("key-1", 2000).ok());
  auto keys = store().list_api_keys();
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(by_id(*keys, "key-1")->last_used_at, 2000);
  EXPECT_FALSE(by_id(*keys, "key-2")->last_used_at.has_value());
  EXPECT_FALSE(by_id(*keys, "key-1")->revoked_at.has_value()) << "touch does not revoke";
  EXPECT_EQ(by_id(*keys, "key-1")->created_at, 10) << "touch keeps created_at";
}

TEST_P(StoreContract, ARevokedKeyKeepsItsLastUse) {
  ASSERT_TRUE(store().add_api_key(make_api_key("key-1", "acme", "read", 10), "h-1").ok());
  ASSERT_TRUE(store().touch_api_key("key-1", 500).ok());
  ASSERT_TRUE(store().revoke_api_key("key-1", 600).value());
  const ApiKey k = store().list_api_keys()->at(0);
  EXPECT_EQ(k.last_used_at, 500);
  EXPECT_EQ(k.revoked_at, 600);
}

}  // namespace
}  // namespace skillsync::store::testing
