// common/utf8: the shared validator (find_invalid, is_valid,
// valid_prefix_length), the maximal-subpart rule (sequence_length) and the
// U+FFFD repair (append_valid), checked by hand and against a plain decoder
// over every short byte string.
#include "common/utf8.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>

namespace skillsync::utf8 {
namespace {

constexpr size_t npos = std::string_view::npos;
const std::string kR = "\xEF\xBF\xBD";  // U+FFFD

TEST(Utf8, AcceptsAsciiAndWellFormedSequences) {
  EXPECT_EQ(find_invalid(""), npos);
  EXPECT_EQ(find_invalid("plain ascii text, longer than eight bytes"), npos);
  EXPECT_EQ(find_invalid("caf\xc3\xa9"), npos);                       // U+00E9
  EXPECT_EQ(find_invalid("\xe2\x82\xac 5"), npos);                    // U+20AC
  EXPECT_EQ(find_invalid("\xf0\x9f\x98\x80"), npos);                  // U+1F600
  EXPECT_EQ(find_invalid("\xc2\x80\xdf\xbf"), npos);                  // U+0080, U+07FF
  EXPECT_EQ(find_invalid("\xe0\xa0\x80\xef\xbf\xbf"), npos);          // U+0800, U+FFFF
  EXPECT_EQ(find_invalid("\xed\x9f\xbf\xee\x80\x80"), npos);          // U+D7FF, U+E000
  EXPECT_EQ(find_invalid("\xf0\x90\x80\x80\xf4\x8f\xbf\xbf"), npos);  // U+10000, U+10FFFF
  EXPECT_EQ(find_invalid(std::string("a\0b", 3)), npos);              // U+0000 is well-formed
  EXPECT_TRUE(is_valid("\xE6\x97\xA5\xE6\x9C\xAC"));
}

TEST(Utf8, ReportsTheFirstBadByte) {
  EXPECT_EQ(find_invalid("\xff"), 0u);
  EXPECT_EQ(find_invalid("abcdefghij\x80"), 10u);       // lone continuation after a word
  EXPECT_EQ(find_invalid("ab\xc3"), 2u);                // truncated at the end
  EXPECT_EQ(find_invalid("ab\xc3z"), 2u);               // lead without continuation
  EXPECT_EQ(find_invalid("\xe2\x82z"), 0u);             // truncated 3-byte sequence
  EXPECT_EQ(find_invalid("ok\xc0\xaf"), 2u);            // overlong '/'
  EXPECT_EQ(find_invalid("\xc1\xbf"), 0u);              // overlong
  EXPECT_EQ(find_invalid("\xe0\x9f\xbf"), 0u);          // overlong 3-byte
  EXPECT_EQ(find_invalid("\xf0\x8f\xbf\xbf"), 0u);      // overlong 4-byte
  EXPECT_EQ(find_invalid("x\xed\xa0\x80"), 1u);         // surrogate U+D800
  EXPECT_EQ(find_invalid("\xf4\x90\x80\x80"), 0u);      // U+110000
  EXPECT_EQ(find_invalid("\xf5\x80\x80\x80"), 0u);      // lead byte F5
  EXPECT_EQ(find_invalid("\xf8\x88\x80\x80\x80"), 0u);  // 5-byte form
  EXPECT_EQ(find_invalid("\xc3\xa9\xfe"), 2u);          // after a valid sequence
  EXPECT_EQ(find_invalid("01234567\xc3\xa9"
                         "01234567\xff"),
            18u);
  EXPECT_FALSE(is_valid("ab\xC3"));
}

TEST(Utf8, ValidPrefixStopsBeforeTheFirstBadSequence) {
  EXPECT_EQ(valid_prefix_length(""), 0u);
  EXPECT_EQ(valid_prefix_length("abc"), 3u);
  EXPECT_EQ(valid_prefix_length("ab\xE2\x82"), 2u);  // never inside a cut sequence
  EXPECT_EQ(valid_prefix_length("caf\xC3\xA9\xFF!"), 5u);
}

TEST(Utf8, SequenceLengthGivesTheMaximalIllFormedSubpart) {
  size_t bad = 99;
  EXPECT_EQ(sequence_length("a", &bad), 1u);
  EXPECT_EQ(sequence_length("\xC3\xA9z", &bad), 2u);
  EXPECT_EQ(sequence_length("\xF0\x9F\x98\x80", &bad), 4u);
  EXPECT_EQ(bad, 99u) << "untouched on success";
  const struct {
    std::string_view bytes;
    size_t subpart;
  } cases[] = {
      {"\x80", 1},              // lone continuation
      {"\xC0\xAF", 1},          // C0 never starts a sequence
      {"\xF5\x80", 1},          // nor does F5
      {"\xC3", 1},              // cut 2-byte
      {"\xE2\x82", 2},          // cut 3-byte: lead + its continuation
      {"\xF0\x9F\x98", 3},      // cut 4-byte
      {"\xF0\x9F\x98z", 3},     // broken 4-byte
      {"\xE0\x80\x80", 1},      // overlong: the second byte is out of E0's range
      {"\xED\xA0\x80", 1},      // surrogate: likewise for ED
      {"\xF4\x90\x80\x80", 1},  // past U+10FFFF
  };
  for (const auto& c : cases) {
    bad = 0;
    EXPECT_EQ(sequence_length(c.bytes, &bad), 0u) << testing::PrintToString(c.bytes);
    EXPECT_EQ(bad, c.subpart) << testing::PrintToString(c.bytes);
  }
  EXPECT_EQ(sequence_length("\xFF"), 0u);  // `bad` is optional
}

TEST(Utf8, AppendValidReplacesEachMaximalSubpart) {
  auto fix = [](std::string_view s) {
    std::string out = ">";
    append_valid(out, s);
    return out;
  };
  EXPECT_EQ(fix("a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z"),
            ">a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z");
  EXPECT_EQ(fix("\xE9t\xE9"), ">" + kR + "t" + kR);    // latin1 bytes
  EXPECT_EQ(fix("\xF0\x9F\x98"), ">" + kR);            // a cut 4-byte sequence
  EXPECT_EQ(fix("\xE0\x80\x80"), ">" + kR + kR + kR);  // overlong: no valid prefix
  EXPECT_EQ(fix("\xED\xA0\x80"), ">" + kR + kR + kR);  // a surrogate
  EXPECT_EQ(fix("\xF4\x90\x80\x80"), ">" + kR + kR + kR + kR);
  EXPECT_EQ(fix("\xE2\x82x"), ">" + kR + "x");
  EXPECT_EQ(fix(std::string("a\0b", 3)), std::string(">a\0b", 4));
  EXPECT_EQ(fix(""), ">");
  // Unicode's own example (chapter 3, "U+FFFD Substitution of Maximal Subparts").
  EXPECT_EQ(fix("\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64"),
            ">a" + kR + kR + kR + "b" + kR + "c" + kR + kR + "d");
}

// A plain decoder written from the definition, to check the fast one against.
// Returns the sequence length at s[i], or 0 when ill-formed.
size_t reference_sequence(const std::string& s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  size_t n = 0;
  uint32_t cp = 0;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) {
    n = 2, cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3, cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4, cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

size_t reference_find_invalid(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    const size_t n = reference_sequence(s, i);
    if (n == 0) return i;
    i += n;
  }
  return npos;
}

TEST(Utf8, AgreesWithAPlainDecoderOnEveryShortString) {
  // Every 1- and 2-byte string, and 3- and 4-byte strings built from the
  // bytes that matter (boundaries of each lead's ranges), behind an ASCII
  // word so the 8-byte fast path runs first.
  const unsigned char interesting[] = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF,
                                       0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE,
                                       0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF};
  auto check = [](const std::string& tail) {
    for (const std::string& s : {tail, "12345678" + tail, "1234567" + tail}) {
      ASSERT_EQ(find_invalid(s), reference_find_invalid(s)) << testing::PrintToString(s);
      std::string fixed;
      append_valid(fixed, s);
      ASSERT_TRUE(is_valid(fixed)) << testing::PrintToString(s);
      if (is_valid(s)) {
        ASSERT_EQ(fixed, s);
      }
    }
  };
  for (int a = 0; a < 256; ++a) {
    check(std::string(1, static_cast<char>(a)));
    for (int b = 0; b < 256; ++b) check({static_cast<char>(a), static_cast<char>(b)});
  }
  for (unsigned char a : interesting) {
    for (unsigned char b : interesting) {
      for (unsigned char c : interesting) {
        const std::string three = {static_cast<char>(a), static_cast<char>(b),
                                   static_cast<char>(c)};
        check(three);
        for (unsigned char d : interesting) check(three + static_cast<char>(d));
      }
    }
  }
}

TEST(Utf8, AgreesWithAPlainDecoderOnRandomText) {
  std::mt19937 rng(7);
  const std::string pieces[] = {"a",       "Zz",   "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80",
                                "\x80",    "\xC3", "\xE2\x82", "\xED\xA0\x80", "\xFF",
                                "01234567"};
  for (int round = 0; round < 2000; ++round) {
    std::string s;
    const int n = static_cast<int>(rng() % 12);
    for (int i = 0; i < n; ++i) s += pieces[rng() % std::size(pieces)];
    ASSERT_EQ(find_invalid(s), reference_find_invalid(s)) << testing::PrintToString(s);
  }
}

}  // namespace
}  // namespace skillsync::utf8
