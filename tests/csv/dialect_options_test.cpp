#include "csv/dialect_options.hpp"

#include <gtest/gtest.h>

namespace skillsync::csv {
namespace {

TEST(MakeDialect, AbsentOptionsKeepTheBase) {
  Dialect base;
  base.max_field_bytes = 10;
  Result<Dialect> d = make_dialect(std::nullopt, std::nullopt, base);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->delimiter, ',');
  EXPECT_EQ(d->quote, '"');
  EXPECT_EQ(d->max_field_bytes, 10u);
}

TEST(MakeDialect, EachAllowedDelimiter) {
  const std::pair<const char*, char> cases[] = {{",", ','},   {";", ';'},    {"|", '|'},
                                                {"\t", '\t'}, {"tab", '\t'}, {"TAB", '\t'}};
  for (const auto& [option, c] : cases) {
    Result<Dialect> d = make_dialect(option, std::nullopt);
    ASSERT_TRUE(d.ok()) << option;
    EXPECT_EQ(d->delimiter, c);
  }
}

TEST(MakeDialect, Quotes) {
  EXPECT_EQ(make_dialect(std::nullopt, "'")->quote, '\'');
  EXPECT_EQ(make_dialect(";", "\"")->quote, '"');
}

TEST(MakeDialect, RejectsEverythingElse) {
  for (const char* bad : {"", ",,", ":", "\n", "\r", "a", " ", "\"", "tabs"}) {
    Result<Dialect> d = make_dialect(bad, std::nullopt);
    ASSERT_FALSE(d.ok()) << bad;
    EXPECT_EQ(d.error().code, "invalid_option");
    EXPECT_NE(d.error().message.find("options.delimiter"), std::string::npos);
  }
  for (const char* bad : {"", "``", ",", "\n", "`"}) {
    Result<Dialect> d = make_dialect(std::nullopt, bad);
    ASSERT_FALSE(d.ok()) << bad;
    EXPECT_EQ(d.error().code, "invalid_option");
    EXPECT_NE(d.error().message.find("options.quote"), std::string::npos);
  }
  Dialect odd;
  odd.delimiter = '\'';
  Result<Dialect> d = make_dialect(std::nullopt, "'", odd);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().code, "invalid_option");
}

}  // namespace
}  // namespace skillsync::csv
