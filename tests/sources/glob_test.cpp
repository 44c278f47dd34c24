// sources/glob and sources/duration: table-driven tests of the pattern
// syntax (docs/api.md, "Sources") and of schedule.every.
#include <gtest/gtest.h>

#include "sources/duration.hpp"
#include "sources/glob.hpp"

namespace skillsync::sources {
namespace {

struct Case {
  const char* pattern;
  const char* key;
  bool match;
};

TEST(Glob, MatchesTheDocumentedSyntax) {
  const Case cases[] = {
      {"learning_*.csv", "learning_20261205.csv", true},
      {"learning_*.csv", "learning_.csv", true},
      {"learning_*.csv", "learning_2026.csv.gz", false},
      {"learning_*.csv", "other_2026.csv", false},
      {"*.csv", "sub/a.csv", false},  // '*' does not cross '/'
      {"**.csv", "sub/a.csv", true},
      {"**/a.csv", "a.csv", true},  // "**/" may match no directory
      {"**/a.csv", "x/y/a.csv", true},
      {"**/a.csv", "x/ya.csv", false},
      {"x/**/a.csv", "x/a.csv", true},
      {"x/**/a.csv", "x/1/2/a.csv", true},
      {"?.csv", "a.csv", true},
      {"?.csv", "ab.csv", false},
      {"?.csv", "/.csv", false},  // '?' does not match '/'
      {"[abc].csv", "b.csv", true},
      {"[abc].csv", "d.csv", false},
      {"[a-c]x", "cx", true},
      {"[a-c]x", "dx", false},
      {"[!a-c]x", "dx", true},
      {"[!a-c]x", "ax", false},
      {"[!a]x", "/x", false},  // a class never matches '/'
      {"[]]x", "]x", true},
      {"[a-]x", "-x", true},
      {"\\*.csv", "*.csv", true},
      {"\\*.csv", "a.csv", false},
      {"data_[0-9][0-9].csv", "data_07.csv", true},
      {"data_[0-9][0-9].csv", "data_7.csv", false},
      {"exact.csv", "exact.csv", true},
      {"exact.csv", "exact.csvx", false},
      {"*", "", true},
      {"a*b*c", "aXXbYYc", true},
      {"a*b*c", "aXXbYY", false},
  };
  for (const auto& c : cases) {
    auto g = Glob::compile(c.pattern);
    ASSERT_TRUE(g.ok()) << c.pattern << ": " << g.error().message;
    EXPECT_EQ(g->matches(c.key), c.match) << "pattern " << c.pattern << " key " << c.key;
  }
}

TEST(Glob, RefusesMalformedPatterns) {
  for (const char* bad : {"", "[abc", "[z-a]", "x\\", "[!"}) {
    auto g = Glob::compile(bad);
    ASSERT_FALSE(g.ok()) << bad;
    EXPECT_EQ(g.error().code, "invalid_pattern");
  }
  EXPECT_FALSE(Glob::compile(std::string(kMaxPatternBytes + 1, 'a')).ok());
}

TEST(Glob, ManyStarsStayLinear) {
  auto g = Glob::compile("*a*a*a*a*a*a*a*a*a*a*a*b");
  ASSERT_TRUE(g.ok());
  EXPECT_FALSE(g->matches(std::string(5000, 'a')));
}

TEST(Every, ParsesDurationsOfAtLeastTenSeconds) {
  const std::pair<const char*, int64_t> good[] = {{"30s", 30},   {"10s", 10},   {"15m", 900},
                                                  {"6h", 21600}, {"1d", 86400}, {"1h30m", 5400}};
  for (const auto& [text, secs] : good) {
    auto v = parse_every(text);
    ASSERT_TRUE(v.ok()) << text << ": " << v.error().message;
    EXPECT_EQ(*v, secs) << text;
    EXPECT_EQ(*parse_every(format_every(secs)), secs);
  }
  for (const char* bad : {"", "9s", "15", "m", "15x", "-5m", "32d", "99999999999999999999s"}) {
    auto v = parse_every(bad);
    ASSERT_FALSE(v.ok()) << bad;
    EXPECT_EQ(v.error().code, "invalid_duration");
  }
  EXPECT_EQ(format_every(900), "15m");
  EXPECT_EQ(format_every(5400), "1h30m");
}

}  // namespace
}  // namespace skillsync::sources
