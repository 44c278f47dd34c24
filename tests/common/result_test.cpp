#include "common/result.hpp"

#include <gtest/gtest.h>

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
