// Store contract: deployment settings (first writer wins; compare-and-set).
#include <string>
#include <thread>
#include <vector>

#include "store_contract.hpp"

namespace skillsync::store::testing {
namespace {

TEST_P(StoreContract, TheFirstValueOfASettingWins) {
  auto first = store().ensure_setting("master_key_check", "aaa");
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(*first, "aaa");
  auto second = store().ensure_setting("master_key_check", "bbb");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, "aaa");
  auto other = store().ensure_setting("other", "ccc");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(*other, "ccc");
}

TEST_P(StoreContract, ConcurrentFirstWritersAllSeeOneValue) {
  std::vector<std::string> seen(6);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < seen.size(); ++i) {
    threads.emplace_back([&, i] {
      auto v = store().ensure_setting("race", "value-" + std::to_string(i));
      seen[i] = v.ok() ? *v : "error: " + v.error().message;
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& v : seen) EXPECT_EQ(v, seen[0]);
  EXPECT_EQ(seen[0].rfind("value-", 0), 0u) << seen[0];
}

TEST_P(StoreContract, ASettingIsReplacedOnlyWhenItHoldsTheExpectedValue) {
  auto absent = store().replace_setting("k", std::nullopt, "one");
  ASSERT_TRUE(absent.ok());
  EXPECT_TRUE(*absent);
  auto again = store().replace_setting("k", std::nullopt, "two");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
  auto wrong = store().replace_setting("k", std::string("zzz"), "two");
  ASSERT_TRUE(wrong.ok());
  EXPECT_FALSE(*wrong);
  auto right = store().replace_setting("k", std::string("one"), "two");
  ASSERT_TRUE(right.ok());
  EXPECT_TRUE(*right);
  EXPECT_EQ(*store().ensure_setting("k", "x"), "two");
}

}  // namespace
}  // namespace skillsync::store::testing
