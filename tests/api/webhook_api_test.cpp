// The webhook routes over a real SQLite store: registration (key pair,
// sealed private key, healthcheck queued), the SSRF guard with a fake
// resolver, tenant isolation, scopes, rotation and the 503 of a process
// without webhook settings.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "api/api.hpp"
#include "api/webhook_routes.hpp"
#include "common/crypto.hpp"
#include "store/webhooks.hpp"
#include "support/sqlite_store_test.hpp"

namespace skillsync::api {
namespace {
namespace json = boost::json;

class FixedClock final : public Clock {
 public:
  Micros now() const override { return t; }
  Micros t = 1'700'000'000'000'000;
};

class WebhookApiTest : public testsupport::SqliteStoreTest {
 protected:
  void SetUp() override {
    SqliteStoreTest::SetUp();
    if (HasFatalFailure()) return;
    service_ = std::make_unique<tasks::TaskService>(*store_, master_, clock_);
    api_ = std::make_unique<Api>(*store_, *service_, nullptr, RateLimit{0, 1}, clock_);
    auto settings = std::make_shared<WebhookSettings>();
    settings->policy = notify::EgressPolicy({*notify::parse_allowed_host("hooks.lan:8080")});
    // hooks.example.com is public; rebind.example.com resolves inside.
    settings->resolve = [](const std::string& host) -> Result<std::vector<std::string>> {
      if (host == "rebind.example.com") return std::vector<std::string>{"10.0.0.8"};
      if (host == "hooks.lan") return std::vector<std::string>{"192.168.1.5"};
      return std::vector<std::string>{"93.184.216.34"};
    };
    settings->keys.current = SecretString(master_.bytes());
    settings->wake = [this] { ++wakes_; };
    api_->set_webhooks(settings);
    writer_ = add_key("w", "acme", "read,write");
    reader_ = add_key("r", "acme", "read");
    other_ = add_key("o", "other", "read,write");
  }
  void TearDown() override {
    api_.reset();
    service_.reset();
    SqliteStoreTest::TearDown();
  }
  std::string add_key(const std::string& id, const std::string& tenant, const std::string& scopes) {
    std::string key = generate_api_key();
    EXPECT_TRUE(
        store_->add_api_key({id, tenant, scopes, clock_.t, {}, {}}, hash_api_key(key)).ok());
    return key;
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
  json::object create(const std::string& url) {
    HttpResponse r = call(writer_, "POST", "/integrations/webhooks",
                          R"({"url":")" + url + R"(","event_types":["file_load_task.failed.v1"]})");
    EXPECT_EQ(r.status, 201) << r.body;
    return json::parse(r.body).as_object();
  }

  FixedClock clock_;
  tasks::MasterKey master_{SecretString(crypto::random_bytes(32))};
  std::unique_ptr<tasks::TaskService> service_;
  std::unique_ptr<Api> api_;
  std::string writer_, reader_, other_;
  int wakes_ = 0;
};

TEST_F(WebhookApiTest, RegistrationReturnsThePublicKeyAndQueuesAHealthcheck) {
  json::object hook = create("https://hooks.example.com/in");
  const std::string id(hook["id"].as_string());
  EXPECT_EQ(hook["public_key"].as_string().size(), 64u);
  EXPECT_EQ(hook["public_keys"].as_array().size(), 1u);
  EXPECT_EQ(wakes_, 1);
  auto stored = store_->webhooks().get_endpoint("acme", id);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  // Only the sealed private key is stored, and nothing of it is returned.
  auto seed =
      notify::open_private_key({SecretString(master_.bytes()), {}}, id, (*stored)->sealed_key);
  ASSERT_TRUE(seed.ok());
  EXPECT_EQ(crypto::hex(*notify::public_key_of(*seed)), hook["public_key"].as_string());
  EXPECT_EQ(json::serialize(hook).find(crypto::hex(seed->reveal())), std::string::npos);
  auto due = store_->webhooks().claim_due("t", clock_.t, 1'000'000, 10);
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].type, "healthcheck.v1");
}

TEST_F(WebhookApiTest, TheSsrfGuardRefusesInsideAddressesAndPlainHttp) {
  for (const char* url :
       {"https://rebind.example.com/x", "https://127.0.0.1/x", "https://[::ffff:169.254.169.254]/x",
        "http://hooks.example.com/x", "http://hooks.lan:8081/x", "ftp://hooks.example.com/x"}) {
    HttpResponse r =
        call(writer_, "POST", "/integrations/webhooks",
             std::string(R"({"url":")") + url + R"(","event_types":["healthcheck.v1"]})");
    EXPECT_EQ(r.status, 422) << url << " " << r.body;
    EXPECT_NE(r.body.find(R"("field":"url")"), std::string::npos) << r.body;
  }
  create("http://hooks.lan:8080/in");  // the operator allows it
  json::object hook = create("https://hooks.example.com/in");
  HttpResponse moved =
      call(writer_, "PATCH", "/integrations/webhooks/" + std::string(hook["id"].as_string()),
           R"({"url":"https://rebind.example.com/x"})");
  EXPECT_EQ(moved.status, 422);
}

TEST_F(WebhookApiTest, BodiesAreCheckedFieldByField) {
  for (
      const char* body :
      {R"({"url":"https://hooks.example.com/x"})",
       R"({"url":"https://hooks.example.com/x","event_types":[]})",
       R"({"url":"https://hooks.example.com/x","event_types":["nope.v1"]})",
       R"({"url":"https://hooks.example.com/x","event_types":["healthcheck.v1","healthcheck.v1"]})",
       R"({"url":"https://hooks.example.com/x","event_types":["healthcheck.v1"],"x":1})"}) {
    EXPECT_EQ(call(writer_, "POST", "/integrations/webhooks", body).status, 422) << body;
  }
}

TEST_F(WebhookApiTest, EndpointsAreTenantScopedAndWritesNeedTheWriteScope) {
  json::object hook = create("https://hooks.example.com/in");
  const std::string path = "/integrations/webhooks/" + std::string(hook["id"].as_string());
  EXPECT_EQ(call(other_, "GET", path).status, 404);
  EXPECT_EQ(call(other_, "DELETE", path).status, 404);
  EXPECT_EQ(call(other_, "POST", path + "/test").status, 404);
  EXPECT_EQ(call(reader_, "GET", path).status, 200);
  EXPECT_EQ(call(reader_, "POST", path + "/rotate-key").status, 403);
  json::object list = json::parse(call(other_, "GET", "/integrations/webhooks").body).as_object();
  EXPECT_TRUE(list["items"].as_array().empty());
  EXPECT_EQ(call(writer_, "PATCH", path, R"({"enabled":false})").status, 200);
  EXPECT_FALSE(json::parse(call(reader_, "GET", path).body).at("enabled").as_bool());
  EXPECT_EQ(call(writer_, "DELETE", path).status, 204);
  EXPECT_EQ(call(writer_, "GET", path).status, 404);
}

TEST_F(WebhookApiTest, RotationKeepsThePreviousKeyForTheWindow) {
  json::object hook = create("https://hooks.example.com/in");
  const std::string path = "/integrations/webhooks/" + std::string(hook["id"].as_string());
  HttpResponse r = call(writer_, "POST", path + "/rotate-key");
  ASSERT_EQ(r.status, 200) << r.body;
  json::object rotated = json::parse(r.body).as_object();
  EXPECT_NE(rotated["public_key"], hook["public_key"]);
  EXPECT_EQ(rotated["public_keys"].as_array(),
            (json::array{rotated["public_key"], hook["public_key"]}));
  EXPECT_EQ(rotated["previous_key_expires_at"], "2023-11-15T22:13:20Z");
  clock_.t += Micros{24} * 3600 * 1'000'000 + 1;
  json::object later = json::parse(call(reader_, "GET", path).body).as_object();
  EXPECT_EQ(later["public_keys"].as_array().size(), 1u);
}

TEST_F(WebhookApiTest, WithoutSettingsTheRoutesAnswer503) {
  Api bare(*store_, *service_, nullptr, RateLimit{0, 1}, clock_);
  HttpRequest r;
  r.method = "GET";
  r.target = "/integrations/webhooks";
  r.authorization = "Bearer " + writer_;
  EXPECT_EQ(bare.handle(r).status, 503);
}

}  // namespace
}  // namespace skillsync::api
