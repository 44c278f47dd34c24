// Field checks: external ids, languages, UTF-8 and ISO 8601 timestamps.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "common/time.hpp"
#include "schema/checks.hpp"
#include "schema/schema.hpp"

namespace skillsync::schema {
namespace {

constexpr Micros kSec = 1000000;

Micros at(int64_t y, unsigned m, unsigned d, int64_t hh = 0, int64_t mm = 0, int64_t ss = 0) {
  return (days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss) * kSec;
}

// The value of a timestamp that must parse (a failure is reported, not fatal).
Micros micros(std::string_view s) {
  auto r = parse_timestamp(s);
  EXPECT_TRUE(r.ok()) << s << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : INT64_MIN;
}

// The RFC 3339 form of a timestamp that must parse.
std::string utc(std::string_view s) {
  auto r = parse_timestamp(s);
  EXPECT_TRUE(r.ok()) << s << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? format_rfc3339(*r) : "";
}

// The error message of a timestamp that must be rejected.
std::string rejected(std::string_view s) {
  auto r = parse_timestamp(s);
  EXPECT_FALSE(r.ok()) << s << " parsed as " << (r.ok() ? format_rfc3339(*r) : "");
  if (r.ok()) return "";
  EXPECT_EQ(r.error().code, "invalid_timestamp");
  return r.error().message;
}

TEST(ExternalIdTest, AcceptsLettersDigitsUnderscoreDashUpTo100) {
  EXPECT_TRUE(is_valid_external_id("a"));
  EXPECT_TRUE(is_valid_external_id("employee-1"));
  EXPECT_TRUE(is_valid_external_id("AZaz09_-"));
  EXPECT_TRUE(is_valid_external_id(std::string(100, 'x')));
}

TEST(ExternalIdTest, RejectsEmptyTooLongAndOtherCharacters) {
  EXPECT_FALSE(is_valid_external_id(""));
  EXPECT_FALSE(is_valid_external_id(std::string(101, 'x')));
  for (std::string_view bad : {"a b", "a.b", "a/b", "a+b", "é", "a\n", " a"}) {
    EXPECT_FALSE(is_valid_external_id(bad)) << bad;
  }
  EXPECT_FALSE(is_valid_external_id(std::string_view("a\0b", 3)));
}

TEST(LanguageTest, AcceptsExactlyTheFiveCodes) {
  for (std::string_view ok : {"auto", "nl", "fr", "en", "de"}) EXPECT_TRUE(is_valid_language(ok));
  for (std::string_view bad : {"", "EN", "En", "es", "en-US", "en ", "automatic", "d"}) {
    EXPECT_FALSE(is_valid_language(bad)) << bad;
  }
}

TEST(Utf8Test, AcceptsWellFormedText) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ascii"));
  EXPECT_TRUE(is_valid_utf8("h\xC3\xA9llo"));              // é
  EXPECT_TRUE(is_valid_utf8("\xE6\x97\xA5\xE6\x9C\xAC"));  // 日本
  EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x98\x80"));          // U+1F600
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));          // U+10FFFF
  EXPECT_TRUE(is_valid_utf8("\xEF\xBF\xBF"));              // U+FFFF
}

TEST(Utf8Test, RejectsMalformedSequences) {
  EXPECT_FALSE(is_valid_utf8("\x80"));                  // lone continuation
  EXPECT_FALSE(is_valid_utf8("ab\xC3"));                // truncated at the end
  EXPECT_FALSE(is_valid_utf8("\xC3\x28"));              // bad continuation
  EXPECT_FALSE(is_valid_utf8("\xC0\x80"));              // overlong NUL
  EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));          // UTF-16 surrogate
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));      // past U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xF8\x88\x80\x80\x80"));  // 5-byte form
  EXPECT_FALSE(is_valid_utf8("\xFF"));
}

TEST(TimestampTest, DateOnlyIsMidnightUtc) {
  EXPECT_EQ(micros("2021-01-01"), 1609459200 * kSec);
  EXPECT_EQ(micros("1970-01-01"), 0);
}

TEST(TimestampTest, DateTimeForms) {
  EXPECT_EQ(micros("2021-01-01T00:00:00Z"), 1609459200 * kSec);
  EXPECT_EQ(micros("2021-01-01t00:00:00z"), 1609459200 * kSec);
  EXPECT_EQ(micros("2021-01-01 00:00:00Z"), 1609459200 * kSec);
  EXPECT_EQ(micros("2021-06-15T13:45Z"), at(2021, 6, 15, 13, 45));
  EXPECT_EQ(micros("2021-06-15T13:45:59Z"), at(2021, 6, 15, 13, 45, 59));
  EXPECT_EQ(micros("1969-12-31T23:59:59Z"), -kSec);
}

TEST(TimestampTest, LeapDays) {
  EXPECT_EQ(micros("2020-02-29T12:00:00Z"), at(2020, 2, 29, 12));
  EXPECT_EQ(micros("2000-02-29"), at(2000, 2, 29));  // divisible by 400
  EXPECT_EQ(rejected("2021-02-29"),
            "'2021-02-29' is not a valid ISO 8601 timestamp: day 29 does not exist in 2021-02");
  rejected("1900-02-29");  // divisible by 100, not by 400
  rejected("2020-02-30");
  rejected("2021-04-31");
  EXPECT_TRUE(parse_timestamp("2021-12-31").ok());
  rejected("2021-12-32");
  rejected("2021-01-00");
}

TEST(TimestampTest, OffsetsConvertToUtcAcrossMidnightAndYear) {
  EXPECT_EQ(utc("2021-01-01T01:30:00+02:00"), "2020-12-31T23:30:00Z");
  EXPECT_EQ(utc("2020-12-31T23:30:00-01:00"), "2021-01-01T00:30:00Z");
  EXPECT_EQ(utc("2021-03-01T00:00:00+00:01"), "2021-02-28T23:59:00Z");
  EXPECT_EQ(utc("2021-01-01T00:00:00+0530"), "2020-12-31T18:30:00Z");
  EXPECT_EQ(utc("2021-01-01T00:00:00+05"), "2020-12-31T19:00:00Z");
  EXPECT_EQ(utc("2021-01-01T00:00:00-00:00"), "2021-01-01T00:00:00Z");
  EXPECT_EQ(utc("2021-01-01T12:00:00+23:59"), "2020-12-31T12:01:00Z");
  EXPECT_EQ(utc("2021-01-01T12:00:00-23:59"), "2021-01-02T11:59:00Z");
}

TEST(TimestampTest, BadOffsets) {
  EXPECT_EQ(rejected("2021-01-01T00:00:00+24:00"),
            "'2021-01-01T00:00:00+24:00' is not a valid ISO 8601 timestamp: offset hour 24");
  EXPECT_NE(rejected("2021-01-01T00:00:00+02:60").find("offset minute 60"), std::string::npos);
  rejected("2021-01-01T00:00:00+2");
  rejected("2021-01-01T00:00:00+02:0");
  rejected("2021-01-01T00:00:00+02:00:00");
  rejected("2021-01-01T00:00:00 +02:00");
}

TEST(TimestampTest, FractionsTruncateToMicros) {
  EXPECT_EQ(micros("2021-01-01T00:00:00.5Z"), 1609459200 * kSec + 500000);
  EXPECT_EQ(micros("2021-01-01T00:00:00.000001Z"), 1609459200 * kSec + 1);
  EXPECT_EQ(micros("2021-01-01T00:00:00.123456789Z"), 1609459200 * kSec + 123456);
  EXPECT_EQ(micros("2021-01-01T00:00:00.9999999+01:00"), 1609459200 * kSec - 3600 * kSec + 999999);
  EXPECT_NE(rejected("2021-01-01T00:00:00.1234567890Z").find("more than 9 fraction digits"),
            std::string::npos);
  rejected("2021-01-01T00:00:00.Z");
  rejected("2021-01-01T00:00.5Z");  // a fraction needs seconds
}

TEST(TimestampTest, TimeRanges) {
  EXPECT_TRUE(parse_timestamp("2021-01-01T23:59:59Z").ok());
  EXPECT_NE(rejected("2021-01-01T24:00:00Z").find("hour 24"), std::string::npos);
  EXPECT_NE(rejected("2021-01-01T10:60:00Z").find("minute 60"), std::string::npos);
  EXPECT_NE(rejected("2021-01-01T10:00:60Z").find("second 60"), std::string::npos);
  EXPECT_EQ(rejected("2021-13-01"), "'2021-13-01' is not a valid ISO 8601 timestamp: month 13");
  EXPECT_NE(rejected("2021-00-10").find("month 0"), std::string::npos);
}

TEST(TimestampTest, YearRange) {
  EXPECT_EQ(utc("0001-01-01T00:00:00Z"), "0001-01-01T00:00:00Z");
  EXPECT_EQ(utc("9999-12-31T23:59:59.999999Z"), "9999-12-31T23:59:59.999999Z");
  EXPECT_NE(rejected("0000-01-01").find("year 0000"), std::string::npos);
  rejected("10000-01-01");
  rejected("+2021-01-01");
}

TEST(TimestampTest, DateTimeWithoutZoneIsAnError) {
  const std::string msg = rejected("2021-01-01T10:00:00");
  EXPECT_NE(msg.find("a zone like Z or +02:00 is required"), std::string::npos) << msg;
  rejected("2021-01-01T10:00");
  rejected("2021-01-01T10:00:00.123");
}

TEST(TimestampTest, RejectsMalformedText) {
  for (std::string_view bad :
       {"", "2021", "2021-1-01", "2021-01-1", "2021/01/01", "20210101", " 2021-01-01",
        "2021-01-01 ", "2021-01-01X", "2021-01-01T", "2021-01-01T10", "2021-01-01T1:00Z",
        "2021-01-01T10:00:00Zx", "2021-01-01T10:00:00 Z", "2021-01-01T10:00:00UTC",
        "2021-01-01_10:00:00Z", "２０２１-01-01", "not a timestamp"}) {
    rejected(bad);
  }
}

TEST(TimestampTest, MessageEchoesAtMostAboutHundredBytes) {
  const std::string msg = rejected(std::string(5000, '9'));
  EXPECT_LT(msg.size(), 200u) << msg;
  EXPECT_NE(msg.find("..."), std::string::npos);
}

TEST(TimestampTest, MessageNeverEchoesControlBytes) {
  const std::string msg = rejected("2021-01-01T10:00:00\n\x01\xFF");
  EXPECT_EQ(msg.find('\n'), std::string::npos);
  EXPECT_EQ(msg.find('\x01'), std::string::npos);
  EXPECT_EQ(msg.find('\xFF'), std::string::npos);
  EXPECT_TRUE(is_valid_utf8(msg));
}

TEST(UrlTest, AcceptsHttpAndHttpsLinksWithAHost) {
  for (std::string_view ok :
       {"http://a", "https://example.com", "https://example.com/path?q=1&r=%20#frag",
        "HTTPS://Example.com/X", "http://127.0.0.1:9000/bucket/key.csv",
        "https://example.com/caf\xC3\xA9", "https://user@example.com/"}) {
    EXPECT_TRUE(is_valid_url(ok)) << ok;
  }
}

TEST(UrlTest, RejectsOtherSchemesMissingHostsSpacesAndBadBytes) {
  for (std::string_view bad :
       {"", "example.com", "ftp://example.com", "mailto:a@b.c", "https://", "http:///path",
        "https://?q", "https://#x", "https:/example.com", " https://example.com",
        "https://example.com/a b", "https://example.com/\t", "https://example.com/\x7F",
        "https://example.com/\xC3", "javascript:alert(1)"}) {
    EXPECT_FALSE(is_valid_url(bad)) << bad;
  }
}

// The check both paths run on a content value of `f`.
std::string code_of(const FieldDef& f, std::string_view v) {
  internal::Checked c;
  return internal::fail_code(internal::check_value(f, v, c));
}

TEST(FieldCheckTest, EnumAcceptsExactlyItsValues) {
  const FieldDef f{.name = "goal_status",
                   .type = FieldType::kEnum,
                   .allowed_values = {"open", "in_progress", "done"}};
  for (std::string_view ok : {"open", "in_progress", "done"}) EXPECT_EQ(code_of(f, ok), "") << ok;
  for (std::string_view bad : {"Open", "open ", "in progress", "don", "done\n", "openx"}) {
    EXPECT_EQ(code_of(f, bad), "invalid_value") << bad;
  }
  internal::Checked c;
  internal::check_value(f, "closed", c);
  EXPECT_EQ(internal::fail_message("goal_status", f, "closed", c),
            "goal_status must be one of open, in_progress, done (got 'closed')");
}

TEST(FieldCheckTest, DateIsACalendarDateOnly) {
  const FieldDef f{.name = "start_date", .type = FieldType::kDate};
  for (std::string_view ok : {"2020-02-29", "0001-01-01", "9999-12-31", "2021-12-31"}) {
    EXPECT_EQ(code_of(f, ok), "") << ok;
  }
  for (std::string_view bad : {"2021-02-29", "2021-13-01", "2021-1-1", "2021-01-01T00:00:00Z",
                               "2021-01-01 ", "01/02/2021", "0000-01-01", "yesterday"}) {
    EXPECT_EQ(code_of(f, bad), "invalid_date") << bad;
  }
}

TEST(FieldCheckTest, UrlChecksLengthThenForm) {
  const FieldDef f{.name = "u", .type = FieldType::kUrl, .max_length = 30};
  EXPECT_EQ(code_of(f, "https://example.com/" + std::string(10, 'x')), "");
  EXPECT_EQ(code_of(f, "https://example.com/" + std::string(11, 'x')), "too_long");
  EXPECT_EQ(code_of(f, "www.example.com"), "invalid_url");
  internal::Checked c;
  internal::check_value(f, "www.example.com", c);
  EXPECT_EQ(internal::fail_message("u", f, "www.example.com", c),
            "u must be an http:// or https:// URL without spaces (got 'www.example.com')");
  // Without an explicit limit a URL gets the URL default, text the text default.
  const FieldDef url_default{.name = "u", .type = FieldType::kUrl};
  EXPECT_EQ(internal::effective_max_length(url_default), kDefaultUrlMaxLength);
  const FieldDef text_default{.name = "t", .type = FieldType::kText};
  EXPECT_EQ(internal::effective_max_length(text_default), kDefaultTextMaxLength);
}

TEST(FieldCheckTest, TextChecksLengthInBytesThenUtf8) {
  const FieldDef f{.name = "t", .type = FieldType::kText, .max_length = 4};
  EXPECT_EQ(code_of(f, "abcd"), "");
  EXPECT_EQ(code_of(f, "caf\xC3\xA9"), "too_long");  // 5 bytes, 4 characters
  EXPECT_EQ(code_of(f, "\xC3\xA9\xC3\xA9"), "");
  EXPECT_EQ(code_of(f, "ab\xFF"), "invalid_utf8");
}

TEST(FieldCheckTest, TextRejectsANulCharacter) {
  // U+0000 is valid UTF-8, but PostgreSQL's TEXT cannot store it.
  const FieldDef f{.name = "learning_title", .type = FieldType::kText, .max_length = 16};
  const std::string with_nul("ab\0c", 4);
  EXPECT_TRUE(is_valid_utf8(with_nul));
  EXPECT_EQ(code_of(f, with_nul), "nul_character");
  EXPECT_EQ(code_of(f, std::string(1, '\0')), "nul_character");
  EXPECT_EQ(code_of(f, std::string("abc\0", 4)), "nul_character");
  EXPECT_EQ(code_of(f, "abc"), "");
  // The byte limit and UTF-8 come first: they say more about the value.
  EXPECT_EQ(code_of(f, std::string(20, 'a') + '\0'), "too_long");
  EXPECT_EQ(code_of(f, std::string("\0\xFF", 2)), "invalid_utf8");
  // The message names the column and where the NUL is (1-based byte).
  internal::Checked c;
  ASSERT_EQ(internal::check_value(f, with_nul, c), internal::Fail::kNulCharacter);
  EXPECT_EQ(internal::fail_message("learning_title", f, with_nul, c),
            "learning_title contains a NUL character (U+0000) at byte 3, which cannot be stored "
            "in text; remove it");
  // Other types already refuse a zero byte with their own code.
  EXPECT_EQ(code_of({.name = "u", .type = FieldType::kUrl}, std::string("https://a\0", 10)),
            "invalid_url");
  EXPECT_EQ(code_of({.name = "i", .type = FieldType::kExternalId}, std::string("a\0", 2)),
            "invalid_external_id");
}

TEST(FieldCheckTest, EveryFailureHasAStableCode) {
  for (int i = 1; i <= static_cast<int>(internal::Fail::kLast); ++i) {
    const std::string code = internal::fail_code(static_cast<internal::Fail>(i));
    EXPECT_FALSE(code.empty()) << i;
    for (int j = 1; j < i; ++j) {
      EXPECT_NE(code, internal::fail_code(static_cast<internal::Fail>(j)));
    }
  }
}

TEST(TopLevelFieldsTest, DefinitionsMatchTheColumnNamesAndLimits) {
  const auto top = top_level_fields();
  ASSERT_EQ(top.size(), 6u);
  const std::string_view names[] = {kEmployeeExternalId, kLanguage, kExternalId,
                                    kTimestamp,          kSource,   kEventType};
  for (size_t i = 0; i < top.size(); ++i) {
    EXPECT_EQ(top[i].name, names[i]);
    EXPECT_EQ(top[i].required, i < 4) << names[i];
  }
  EXPECT_EQ(top[0].type, FieldType::kExternalId);
  EXPECT_EQ(top[1].type, FieldType::kLanguage);
  EXPECT_EQ(top[2].type, FieldType::kExternalId);
  EXPECT_EQ(top[3].type, FieldType::kTimestamp);
  EXPECT_EQ(top[4].type, FieldType::kText);
  EXPECT_EQ(top[4].max_length, kMaxSourceLength);
  EXPECT_EQ(top[5].allowed_values.size(), all_entities().size());
}

}  // namespace
}  // namespace skillsync::schema
