#include "common/result.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string_view>

namespace skillsync {
namespace {

Result<int> half(int x) {
  if (x % 2) return Error{"odd", "not even"};
  return x / 2;
}

Status quarter_ok(int x, int* out) {
  auto h = half(x);
  SKILLSYNC_TRY(h);
  auto q = half(*h);
  SKILLSYNC_TRY(q);
  *out = *q;
  return ok_status();
}

// The same as quarter_ok, written with SKILLSYNC_ASSIGN_OR_RETURN.
Result<int> quarter(int x) {
  SKILLSYNC_ASSIGN_OR_RETURN(int h, half(x));
  SKILLSYNC_ASSIGN_OR_RETURN(const int q, half(h));
  return q;
}

TEST(Result, AssignOrReturnDeclaresTheValueOrReturnsTheError) {
  auto r = quarter(8);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 2);
  auto odd_first = quarter(3);
  ASSERT_FALSE(odd_first.ok());
  EXPECT_EQ(odd_first.error().code, "odd");
  auto odd_second = quarter(6);
  ASSERT_FALSE(odd_second.ok());
  EXPECT_EQ(odd_second.error().code, "odd");
}

TEST(Errc, EveryCodeHasItsOwnStableName) {
  std::set<std::string_view> names;
  for (int i = 0; i <= static_cast<int>(Errc::kStorageBusy); ++i) {
    const std::string_view name = errc_name(static_cast<Errc>(i));
    EXPECT_NE(name, "internal") << i;
    EXPECT_TRUE(names.insert(name).second) << name << " names two codes";
  }
  EXPECT_EQ(errc_name(Errc::kLeaseLost), "lease_lost");
  EXPECT_EQ(errc_name(Errc::kNotFound), "not_found");
}

TEST(Errc, AnErrorMadeFromACodeIsThatCodeAndNoOther) {
  const Error e(Errc::kLeaseLost, "another worker took the task");
  EXPECT_EQ(e.code, "lease_lost");
  EXPECT_TRUE(e.is(Errc::kLeaseLost));
  EXPECT_FALSE(e.is(Errc::kCancelled));
  // Errors made from the string (S3 codes, older call sites) compare the same.
  EXPECT_TRUE(Error("cancelled", "stopped").is(Errc::kCancelled));
}

TEST(Result, CarriesValueOrError) {
  auto r = half(4);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 2);
  auto e = half(3);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code, "odd");
}

TEST(Result, TryPropagatesFirstError) {
  int out = 0;
  EXPECT_TRUE(quarter_ok(8, &out).ok());
  EXPECT_EQ(out, 2);
  Status s = quarter_ok(6, &out);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "odd");
}

}  // namespace
}  // namespace skillsync
