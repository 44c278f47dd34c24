// ApiTest: an Api over a real SQLite store (no sockets) with one read,write
// key of the default tenant; call() sends a request with that key, or another.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>
#include <optional>
#include <string>

#include "api/api.hpp"
#include "common/crypto.hpp"
#include "support/sqlite_store_test.hpp"

namespace skillsync::api {

class ApiTest : public testsupport::SqliteStoreTest {
 protected:
  void SetUp() override {
    SqliteStoreTest::SetUp();
    if (HasFatalFailure()) return;
    key_ = generate_api_key();
    ASSERT_TRUE(
        store_
            ->add_api_key({"key_1", std::string(store::kDefaultTenant), "read,write", 0, {}, {}},
                          hash_api_key(key_))
            .ok());
    service_ = std::make_unique<tasks::TaskService>(*store_, master_, SystemClock::instance());
    api_ = std::make_unique<Api>(*store_, *service_, [this] { ++created_; });
  }
  void TearDown() override {
    api_.reset();
    service_.reset();
    SqliteStoreTest::TearDown();
  }

  HttpResponse call(std::string method, std::string target, std::string body = "",
                    std::optional<std::string> key = std::nullopt) {
    HttpRequest r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.authorization = "Bearer " + key.value_or(key_);
    r.body = std::move(body);
    return api_->handle(r);
  }
  static boost::json::value parse(const HttpResponse& r) { return boost::json::parse(r.body); }

  tasks::MasterKey master_{SecretString(crypto::random_bytes(32))};
  std::unique_ptr<tasks::TaskService> service_;
  std::unique_ptr<Api> api_;
  std::string key_;
  int created_ = 0;
};

}  // namespace skillsync::api
