// Hardening against guessing API keys (issue 13, item 8): a short or
// repetitive bootstrap key is refused at start; failed authentications are
// throttled per client address (429 with Retry-After, the key not even
// looked at) and logged in aggregate, not one line per attempt.
// Cost: about 1 s.
#include <gtest/gtest.h>

#include "integration/it_env.hpp"

namespace skillsync::it {
namespace {

size_t count_of(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

TEST(HardeningBootstrapKeyTest, WeakBootstrapKeysAreRefusedAtStart) {
  for (const std::string key :
       {"a", "short-key-123", "aaaaaaaaaaaaaaaaaaaaaaaa", "abababababababababab"}) {
    SCOPED_TRACE(key);
    testsupport::TempDir data("skillsync-weak-key-");
    CommandResult r = run_command(
        {skillsync_binary(), "serve", "--listen", "127.0.0.1:0", "--data-dir", data.path()},
        {{"SKILLSYNC_BOOTSTRAP_API_KEY", key}}, std::chrono::seconds(10));
    EXPECT_FALSE(r.timed_out) << "the server started with a weak bootstrap key";
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("SKILLSYNC_BOOTSTRAP_API_KEY is too easy to guess"), std::string::npos)
        << r.err;
    EXPECT_EQ(r.err.find(key + "\n"), std::string::npos) << "the key itself must not be logged";
  }
}

class HardeningAuthThrottleTest : public StackTest<HardeningAuthThrottleTest> {
 public:
  static StackOptions stack_options() {
    StackOptions o;
    o.workers = 1;
    o.env["SKILLSYNC_MAX_AUTH_FAILURES"] = "5";
    return o;
  }
};

TEST_F(HardeningAuthThrottleTest, FailedKeysAreThrottledPerAddressAndLoggedInAggregate) {
  const std::string path = "/integrations/file-load-tasks";
  for (int i = 0; i < 5; ++i) {
    ApiResponse r = app().request("GET", path, "", "Bearer sk_guess_" + std::to_string(i));
    ASSERT_EQ(r.status, 401) << r.body;
  }
  for (int i = 0; i < 50; ++i) {
    ApiResponse r = app().request("GET", path, "", "Bearer sk_guess_more_" + std::to_string(i));
    ASSERT_EQ(r.status, 429) << r.body;
    const int retry_after = std::atoi(r.header("retry-after").c_str());
    EXPECT_GE(retry_after, 1);
    EXPECT_LE(retry_after, 60);
  }
  // Throttled, the address cannot tell a right key from a wrong one.
  EXPECT_EQ(app().get(path).status, 429);
  // What needs no key still answers.
  EXPECT_EQ(app().request("GET", "/healthz", "", std::string()).status, 200);

  const std::string log = app().log();
  EXPECT_EQ(count_of(log, " 401 "), 0u) << "one log line per failed attempt";
  EXPECT_EQ(count_of(log, " 429 "), 0u) << "one log line per refused attempt";
  EXPECT_EQ(count_of(log, "failed authentication from 127.0.0.1"), 1u) << log;
  EXPECT_EQ(count_of(log, "5 failed authentications from 127.0.0.1"), 1u) << log;
  EXPECT_EQ(log.find("sk_guess_"), std::string::npos) << "a tried key was logged";
}

}  // namespace
}  // namespace skillsync::it
