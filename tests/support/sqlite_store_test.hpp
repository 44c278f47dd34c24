// SqliteStoreTest: a test with a fresh SQLite store in a temporary directory
// of its own, removed after the test. Fixtures that add to SetUp call
// SqliteStoreTest::SetUp() first and return if it failed (HasFatalFailure()).
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "store/sqlite/sqlite_store.hpp"

namespace skillsync::testsupport {

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/skillsync-test-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    auto s = store::open_sqlite_store(dir_ + "/db.sqlite");
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(*s);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::string dir_;
  std::unique_ptr<store::Store> store_;
};

}  // namespace skillsync::testsupport
