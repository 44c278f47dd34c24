// The Store contract suite: value-parameterised tests written against the
// abstract Store, so every implementation runs the same tests unchanged.
//
// A backend instantiates the suite with a StoreBackend whose factory makes a
// fresh, empty store:
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreContract, ::testing::Values(sqlite_backend()),
//                            store_backend_name);
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "common/time.hpp"
#include "store/store.hpp"

namespace skillsync::store::testing {

// A clock the test moves by hand.
class TestClock final : public Clock {
 public:
  Micros now() const override { return t_.load(); }
  void set(Micros t) { t_.store(t); }
  void advance(Micros d) { t_.fetch_add(d); }

 private:
  std::atomic<Micros> t_{1'700'000'000'000'000};
};

// Owns a store and whatever it needs (a temp dir, a server).
class StoreEnv {
 public:
  virtual ~StoreEnv() = default;
  virtual Store& store() = 0;
};

struct StoreBackend {
  std::string name;
  // Makes a fresh, empty store that reads "now" from `clock`, which outlives
  // the returned env. Returns nullptr (after a gtest failure) if it cannot.
  std::function<std::unique_ptr<StoreEnv>(const Clock& clock)> make;
};

// Keeps gtest from printing the factory's bytes.
inline void PrintTo(const StoreBackend& b, std::ostream* os) { *os << b.name; }

inline std::string store_backend_name(const ::testing::TestParamInfo<StoreBackend>& info) {
  return info.param.name;
}

// A lease no test outlives (one hour of the test clock).
inline constexpr Micros kLongLease = Micros{3600} * 1'000'000;

class StoreContract : public ::testing::TestWithParam<StoreBackend> {
 protected:
  void SetUp() override {
    env_ = GetParam().make(clock_);
    ASSERT_NE(env_, nullptr);
  }
  Store& store() { return env_->store(); }

  // Creates and claims `t` for worker "w" (under kLongLease), then opens
  // its writer (nullptr on failure, after
  // a gtest failure).
  std::unique_ptr<TaskWriter> start_load(const Task& t) {
    EXPECT_TRUE(store().create_task(t).ok());
    auto claimed = store().claim_next_task("w", clock_.now(), kLongLease);
    EXPECT_TRUE(claimed.ok() && claimed->has_value() && (*claimed)->id == t.id);
    auto w = store().begin_load(t, "w");
    EXPECT_TRUE(w.ok()) << w.error().message;
    return w.ok() ? std::move(w).value() : nullptr;
  }

  TestClock clock_;  // declared first: outlives the store
  std::unique_ptr<StoreEnv> env_;
};

// --- builders ---------------------------------------------------------------

// A checkpoint that records only `progress` (what a stage without a position
// to resume from stores).
inline Checkpoint checkpoint_of(Progress progress) {
  Checkpoint c;
  c.progress = progress;
  return c;
}

inline schema::Event make_event(std::string employee, std::string external_id, Micros timestamp,
                                std::string content = R"({"course_id":"c-1"})") {
  schema::Event e;
  e.employee_external_id = std::move(employee);
  e.external_id = std::move(external_id);
  e.event_type = "learning";
  e.timestamp = timestamp;
  e.language = "en";
  e.content_json = std::move(content);
  return e;
}

inline Task make_task(std::string id, Micros created_at, std::string tenant = "default") {
  Task t;
  t.id = std::move(id);
  t.tenant = std::move(tenant);
  t.entity_type = "learning";
  t.method = "s3";
  t.uri = "s3://bucket/learning.csv";
  t.region = "eu-west-1";
  t.options_json = R"({"ignore_unknown_columns":true})";
  t.sealed_credentials = std::string("\x01\x00sealed\xff", 9);
  t.created_at = created_at;
  return t;
}

inline ApiKey make_api_key(std::string id, std::string tenant, std::string scopes,
                           Micros created_at) {
  ApiKey k;
  k.id = std::move(id);
  k.tenant = std::move(tenant);
  k.scopes = std::move(scopes);
  k.created_at = created_at;
  return k;
}

inline RowError make_row_error(uint64_t line, std::string code = "invalid_value") {
  RowError e;
  e.line = line;
  e.byte_offset = line * 100;
  e.column = "timestamp";
  e.code = std::move(code);
  e.message = "not a timestamp";
  e.raw = "emp-1,ev-" + std::to_string(line) + ",yesterday";
  return e;
}

}  // namespace skillsync::store::testing
