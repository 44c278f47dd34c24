// Authentication against the store's keys: revocation counts from the next
// request, last use is recorded (throttled), scopes and tenants hold.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>

#include "api/api.hpp"
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

constexpr const char* kEvent =
    R"({"external_id":"learning-1","event_type":"learning","timestamp":"2021-01-01T00:00:00Z",
        "content":{"course_id":"course-1"}})";

class KeysAuthTest : public testsupport::SqliteStoreTest {
 protected:
  void SetUp() override {
    SqliteStoreTest::SetUp();
    if (HasFatalFailure()) return;
    service_ = std::make_unique<tasks::TaskService>(*store_, master_, clock_);
    // No rate limit: these tests send many requests at one instant.
    api_ = std::make_unique<Api>(*store_, *service_, nullptr, RateLimit{0, 1}, clock_);
  }
  void TearDown() override {
    api_.reset();
    service_.reset();
    SqliteStoreTest::TearDown();
  }

  // Adds a key and returns it.
  std::string add_key(const std::string& id, const std::string& tenant, const std::string& scopes) {
    std::string key = generate_api_key();
    store::ApiKey info{id, tenant, scopes, clock_.t, {}, {}};
    EXPECT_TRUE(store_->add_api_key(info, hash_api_key(key)).ok());
    return key;
  }

  store::ApiKey stored(const std::string& id) {
    auto keys = store_->list_api_keys();
    EXPECT_TRUE(keys.ok());
    if (keys.ok()) {
      for (const auto& k : *keys) {
        if (k.id == id) return k;
      }
    }
    ADD_FAILURE() << "no key " << id;
    return {};
  }

  HttpResponse call(const std::string& key, std::string method, std::string target,
                    std::string body = "") {
    HttpRequest r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.authorization = "Bearer " + key;
    r.body = std::move(body);
    return api_->handle(r);
  }

  ManualClock clock_;
  tasks::MasterKey master_{SecretString(crypto::random_bytes(32))};
  std::unique_ptr<tasks::TaskService> service_;
  std::unique_ptr<Api> api_;
};

TEST_F(KeysAuthTest, GeneratedKeysAreLongRandomAndStoredAsHashes) {
  const std::string a = generate_api_key();
  const std::string b = generate_api_key();
  EXPECT_NE(a, b);
  // "sk_" + base64url of 32 random bytes: 256 bits, well above 128.
  EXPECT_EQ(a.size(), 3u + 43u);
  EXPECT_EQ(hash_api_key(a), crypto::sha256_hex(a));
  EXPECT_EQ(hash_api_key(a).find(a), std::string::npos);
}

TEST_F(KeysAuthTest, ARevokedKeyIsRefusedFromTheNextRequestOn) {
  const std::string key = add_key("key_a", "acme", "read,write");
  const std::string other = add_key("key_b", "acme", "read,write");
  EXPECT_EQ(call(key, "GET", "/employees/e1/skill_events").status, 200);
  // Same instant, same Api object: nothing remembered from the first request
  // lets the key through.
  ASSERT_TRUE(store_->revoke_api_key("key_a", clock_.t).value());
  auto refused = call(key, "GET", "/employees/e1/skill_events");
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(json::parse(refused.body).at("error").at("code"), json::value("unauthenticated"));
  EXPECT_EQ(call(key, "POST", "/employees/e1/skill_events?language=en", kEvent).status, 401);
  EXPECT_EQ(call(other, "GET", "/employees/e1/skill_events").status, 200)
      << "revoking one key leaves the others";
}

TEST_F(KeysAuthTest, LastUseIsRecordedAtMostOncePerMinutePerKey) {
  const std::string key = add_key("key_a", "acme", "read,write");
  const std::string other = add_key("key_b", "acme", "read,write");
  EXPECT_FALSE(stored("key_a").last_used_at.has_value());

  const Micros t0 = clock_.t;
  ASSERT_EQ(call(key, "GET", "/employees/e1/skill_events").status, 200);
  EXPECT_EQ(stored("key_a").last_used_at, t0);
  EXPECT_FALSE(stored("key_b").last_used_at.has_value()) << "only the key used";

  // Within the minute: no further write, however many requests.
  for (int i = 0; i < 59; ++i) {
    clock_.t += kSecond;
    ASSERT_EQ(call(key, "GET", "/employees/e1/skill_events").status, 200);
  }
  EXPECT_EQ(stored("key_a").last_used_at, t0);

  // Another key has its own minute.
  ASSERT_EQ(call(other, "GET", "/employees/e1/skill_events").status, 200);
  EXPECT_EQ(stored("key_b").last_used_at, clock_.t);

  clock_.t = t0 + 60 * kSecond;
  ASSERT_EQ(call(key, "GET", "/employees/e1/skill_events").status, 200);
  EXPECT_EQ(stored("key_a").last_used_at, t0 + 60 * kSecond);
}

TEST_F(KeysAuthTest, RefusedRequestsOfAKnownKeyCountAsUseUnknownKeysTouchNothing) {
  const std::string reader = add_key("key_r", "acme", "read");
  EXPECT_EQ(call(reader, "DELETE", "/employees/e1/skill_events/x").status, 403);
  EXPECT_EQ(stored("key_r").last_used_at, clock_.t);

  ASSERT_TRUE(store_->revoke_api_key("key_r", clock_.t).value());
  clock_.t += 120 * kSecond;
  EXPECT_EQ(call(reader, "GET", "/employees/e1/skill_events").status, 401);
  EXPECT_EQ(call("sk_unknown", "GET", "/employees/e1/skill_events").status, 401);
  EXPECT_EQ(stored("key_r").last_used_at, clock_.t - 120 * kSecond)
      << "a revoked key's use is not recorded";
}

TEST_F(KeysAuthTest, ScopesGateEveryMethod) {
  const std::string reader = add_key("key_r", "acme", "read");
  const std::string writer = add_key("key_w", "acme", "write");
  const std::string both = add_key("key_rw", "acme", "read,write");
  ASSERT_EQ(call(both, "POST", "/employees/e1/skill_events?language=en", kEvent).status, 201);

  struct Case {
    const char* method;
    const char* target;
  };
  const Case writes[] = {{"POST", "/employees/e1/skill_events?language=en"},
                         {"DELETE", "/employees/e1/skill_events/learning-1"},
                         {"POST", "/integrations/file-load-tasks"},
                         {"POST", "/integrations/file-load-tasks/flt_x/cancel"}};
  for (const Case& c : writes) {
    SCOPED_TRACE(std::string(c.method) + " " + c.target);
    auto r = call(reader, c.method, c.target, kEvent);
    EXPECT_EQ(r.status, 403);
    EXPECT_EQ(json::parse(r.body).at("error").at("code"), json::value("forbidden"));
  }
  const Case reads[] = {{"GET", "/employees/e1/skill_events"},
                        {"GET", "/employees/e1/skill_events/learning-1"},
                        {"GET", "/integrations/file-load-tasks"},
                        {"GET", "/integrations/file-load-tasks/flt_x"},
                        {"GET", "/integrations/file-load-tasks/flt_x/errors"}};
  for (const Case& c : reads) {
    SCOPED_TRACE(std::string(c.method) + " " + c.target);
    EXPECT_EQ(call(writer, c.method, c.target).status, 403);
  }
  // The event is still there: no refused write changed anything.
  EXPECT_EQ(call(reader, "GET", "/employees/e1/skill_events/learning-1").status, 200);
}

TEST_F(KeysAuthTest, AKeySeesOnlyItsOwnTenant) {
  const std::string a = add_key("key_a", "tenant-a", "read,write");
  const std::string b = add_key("key_b", "tenant-b", "read,write");
  ASSERT_EQ(call(a, "POST", "/employees/e1/skill_events?language=en", kEvent).status, 201);
  EXPECT_EQ(call(b, "GET", "/employees/e1/skill_events/learning-1").status, 404);
  EXPECT_EQ(call(b, "DELETE", "/employees/e1/skill_events/learning-1").status, 404);
  auto list = call(b, "GET", "/employees/e1/skill_events");
  ASSERT_EQ(list.status, 200);
  EXPECT_TRUE(json::parse(list.body).at("items").as_array().empty());
  EXPECT_EQ(call(a, "GET", "/employees/e1/skill_events/learning-1").status, 200);
}

}  // namespace
}  // namespace skillsync::api
