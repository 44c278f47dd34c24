// Store contract: events (Skill Event API), API keys and tenant isolation.
#include <algorithm>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "store_contract.hpp"

namespace skillsync::store::testing {
namespace {

constexpr std::string_view kTenant = "default";

std::vector<std::string> ids_of(const std::vector<StoredEvent>& items) {
  std::vector<std::string> out;
  for (const auto& i : items) out.push_back(i.event.external_id);
  return out;
}

TEST_P(StoreContract, UpsertThenGetReturnsTheStoredEvent) {
  schema::Event e = make_event("emp-1", "ev-1", 1000, R"({"course_id":"c-9"})");
  e.source = "lms";
  auto stored = store().upsert_event(kTenant, e);
  ASSERT_TRUE(stored.ok()) << stored.error().message;
  EXPECT_EQ(stored->created_at, clock_.now());
  EXPECT_EQ(stored->updated_at, clock_.now());
  EXPECT_FALSE(stored->task_id.has_value());

  auto got = store().get_event(kTenant, "emp-1", "ev-1");
  ASSERT_TRUE(got.ok()) << got.error().message;
  ASSERT_TRUE(got->has_value());
  const schema::Event& g = got.value()->event;
  EXPECT_EQ(g.employee_external_id, "emp-1");
  EXPECT_EQ(g.external_id, "ev-1");
  EXPECT_EQ(g.event_type, "learning");
  EXPECT_EQ(g.timestamp, 1000);
  EXPECT_EQ(g.language, "en");
  EXPECT_EQ(g.content_json, R"({"course_id":"c-9"})");
  EXPECT_EQ(g.source, std::optional<std::string>("lms"));
  EXPECT_EQ(got.value()->created_at, clock_.now());
}

TEST_P(StoreContract, UpsertReplacesTheEventAndKeepsCreatedAt) {
  schema::Event e = make_event("emp-1", "ev-1", 1000);
  e.source = "lms";
  const Micros first = clock_.now();
  ASSERT_TRUE(store().upsert_event(kTenant, e).ok());
  clock_.advance(5'000'000);
  schema::Event changed = make_event("emp-1", "ev-1", 2000, R"({"course_id":"c-2"})");
  auto stored = store().upsert_event(kTenant, changed);
  ASSERT_TRUE(stored.ok()) << stored.error().message;
  EXPECT_EQ(stored->created_at, first);
  EXPECT_EQ(stored->updated_at, clock_.now());
  EXPECT_EQ(stored->event.content_json, R"({"course_id":"c-2"})");

  auto got = store().get_event(kTenant, "emp-1", "ev-1");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ(got.value()->event.timestamp, 2000);
  EXPECT_FALSE(got.value()->event.source.has_value());  // replaced, not merged
  EXPECT_EQ(got.value()->created_at, first);
  EXPECT_EQ(got.value()->updated_at, clock_.now());
}

TEST_P(StoreContract, GetOfAMissingEventIsEmpty) {
  auto got = store().get_event(kTenant, "emp-1", "nope");
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_FALSE(got->has_value());
}

TEST_P(StoreContract, DeleteRemovesTheEventOnce) {
  ASSERT_TRUE(store().upsert_event(kTenant, make_event("emp-1", "ev-1", 1)).ok());
  ASSERT_TRUE(store().upsert_event(kTenant, make_event("emp-1", "ev-2", 1)).ok());
  auto first = store().delete_event(kTenant, "emp-1", "ev-1");
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_TRUE(first.value());
  auto second = store().delete_event(kTenant, "emp-1", "ev-1");
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second.value());
  EXPECT_FALSE(store().get_event(kTenant, "emp-1", "ev-1")->has_value());
  EXPECT_TRUE(store().get_event(kTenant, "emp-1", "ev-2")->has_value());
}

TEST_P(StoreContract, ListOrdersByTimestampThenExternalIdForOneEmployee) {
  ASSERT_TRUE(store().upsert_event(kTenant, make_event("emp-1", "b", 20)).ok());
  ASSERT_TRUE(store().upsert_event(kTenant, make_event("emp-1", "c", 10)).ok());
  ASSERT_TRUE(store().upsert_event(kTenant, make_event("emp-1", "a", 20)).ok());
  ASSERT_TRUE(store().upsert_event(kTenant, make_event("emp-1", "z", -5)).ok());
  ASSERT_TRUE(store().upsert_event(kTenant, make_event("emp-2", "a", 15)).ok());
  auto page = store().list_events(kTenant, "emp-1", 1000, "");
  ASSERT_TRUE(page.ok()) << page.error().message;
  EXPECT_EQ(ids_of(page->items), (std::vector<std::string>{"z", "c", "a", "b"}));
  EXPECT_FALSE(page->next_cursor.has_value());
}

TEST_P(StoreContract, ListPaginatesAcrossPagesWithTiesOnTimestamp) {
  // 23 events over 4 timestamps: every page boundary falls inside a tie.
  std::vector<std::tuple<Micros, std::string>> expected;
  for (int i = 0; i < 23; ++i) {
    const Micros ts = (i * 7) % 4 * 1000;
    const std::string id = "ev-" + std::to_string(100 - i);
    expected.emplace_back(ts, id);
    ASSERT_TRUE(store().upsert_event(kTenant, make_event("emp-1", id, ts)).ok());
  }
  std::sort(expected.begin(), expected.end());

  std::vector<std::tuple<Micros, std::string>> seen;
  std::string cursor;
  int pages = 0;
  for (;;) {
    auto page = store().list_events(kTenant, "emp-1", 5, cursor);
    ASSERT_TRUE(page.ok()) << page.error().message;
    ++pages;
    ASSERT_LE(page->items.size(), 5u);
    for (const auto& i : page->items) seen.emplace_back(i.event.timestamp, i.event.external_id);
    if (!page->next_cursor) break;
    EXPECT_EQ(page->items.size(), 5u);
    cursor = *page->next_cursor;
    ASSERT_LT(pages, 10) << "pagination does not end";
  }
  EXPECT_EQ(pages, 5);
  EXPECT_EQ(seen, expected);
}

TEST_P(StoreContract, AFullLastPageHasNoCursor) {
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(
        store().upsert_event(kTenant, make_event("emp-1", "e" + std::to_string(i), 5)).ok());
  }
  auto first = store().list_events(kTenant, "emp-1", 5, "");
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(first->next_cursor.has_value());
  auto second = store().list_events(kTenant, "emp-1", 5, *first->next_cursor);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(ids_of(second->items), (std::vector<std::string>{"e5", "e6", "e7", "e8", "e9"}));
  EXPECT_FALSE(second->next_cursor.has_value());
}

TEST_P(StoreContract, AnInvalidCursorIsRejected) {
  ASSERT_TRUE(store().upsert_event(kTenant, make_event("emp-1", "ev-1", 1)).ok());
  for (std::string_view bad : {"!!!", "abcd", "A", "not a cursor at all"}) {
    auto page = store().list_events(kTenant, "emp-1", 10, bad);
    ASSERT_FALSE(page.ok()) << bad;
    EXPECT_EQ(page.error().code, "invalid_cursor") << bad;
  }
}

TEST_P(StoreContract, TenantsNeverSeeEachOthersEvents) {
  ASSERT_TRUE(store().upsert_event("a", make_event("emp-1", "ev-1", 1, R"({"x":"a"})")).ok());
  ASSERT_TRUE(store().upsert_event("b", make_event("emp-1", "ev-1", 1, R"({"x":"b"})")).ok());
  ASSERT_TRUE(store().upsert_event("a", make_event("emp-1", "ev-2", 2)).ok());

  EXPECT_EQ(store().get_event("a", "emp-1", "ev-1")->value().event.content_json, R"({"x":"a"})");
  EXPECT_EQ(store().get_event("b", "emp-1", "ev-1")->value().event.content_json, R"({"x":"b"})");
  EXPECT_FALSE(store().get_event("b", "emp-1", "ev-2")->has_value());
  EXPECT_EQ(store().list_events("b", "emp-1", 100, "")->items.size(), 1u);
  EXPECT_TRUE(store().list_events("c", "emp-1", 100, "")->items.empty());

  EXPECT_FALSE(store().delete_event("b", "emp-1", "ev-2").value());
  EXPECT_TRUE(store().delete_event("b", "emp-1", "ev-1").value());
  EXPECT_TRUE(store().get_event("a", "emp-1", "ev-1")->has_value());
}

TEST_P(StoreContract, ApiKeysAreFoundByHashOnly) {
  EXPECT_EQ(store().count_api_keys().value(), 0u);
  ApiKey key = make_api_key("key-1", "acme", "read,write", 42);
  ASSERT_TRUE(store().add_api_key(key, "hash-1").ok());
  ASSERT_TRUE(store().add_api_key(make_api_key("key-2", "other", "read", 43), "hash-2").ok());
  EXPECT_EQ(store().count_api_keys().value(), 2u);

  auto found = store().find_api_key("hash-1");
  ASSERT_TRUE(found.ok()) << found.error().message;
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ(found.value()->id, "key-1");
  EXPECT_EQ(found.value()->tenant, "acme");
  EXPECT_EQ(found.value()->scopes, "read,write");
  EXPECT_EQ(found.value()->created_at, 42);
  EXPECT_FALSE(store().find_api_key("key-1")->has_value());
  EXPECT_FALSE(store().find_api_key("hash-3")->has_value());
}

TEST_P(StoreContract, ADuplicateApiKeyHashIsRefused) {
  ASSERT_TRUE(store().add_api_key(make_api_key("key-1", "a", "read", 1), "same").ok());
  auto again = store().add_api_key(make_api_key("key-2", "b", "read", 1), "same");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "already_exists");
  EXPECT_EQ(store().count_api_keys().value(), 1u);
  EXPECT_EQ(store().find_api_key("same")->value().tenant, "a");
}

}  // namespace
}  // namespace skillsync::store::testing
