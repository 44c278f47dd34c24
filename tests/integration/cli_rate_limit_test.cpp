// The client against a server that limits each API key's requests: it
// waits as the 429 answer asks (Retry-After) instead of failing, and says so.
#include <gtest/gtest.h>

#include "integration/it_env.hpp"

namespace skillsync::it {
namespace {

// A server that limits each key to one request per 4 seconds: the client
// waits as its 429 asks (Retry-After) instead of failing.
class CliRateLimitTest : public StackTest<CliRateLimitTest> {
 public:
  static StackOptions stack_options() {
    StackOptions o;
    o.env = {{"SKILLSYNC_RATE_LIMIT", "0.25"}, {"SKILLSYNC_RATE_BURST", "1"}};
    return o;
  }
};

TEST_F(CliRateLimitTest, TooManyRequestsAreRetriedAfterRetryAfter) {
  const std::map<std::string, std::string> env = {{"SKILLSYNC_URL", app().base_url()},
                                                  {"SKILLSYNC_API_KEY", app().api_key()}};
  CommandResult first = run_skillsync({"tasks", "list", "--json"}, env);
  EXPECT_EQ(first.exit_code, 0) << first.err;
  CommandResult second = run_skillsync({"tasks", "list", "--json"}, env);
  EXPECT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.err.find("(429); retrying in "), std::string::npos) << second.err;
  EXPECT_NE(second.out.find("\"items\""), std::string::npos);
}

}  // namespace
}  // namespace skillsync::it
