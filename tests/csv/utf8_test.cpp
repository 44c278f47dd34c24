#include "csv/utf8.hpp"

#include <gtest/gtest.h>

#include <string>

namespace skillsync::csv {
namespace {

constexpr size_t npos = std::string_view::npos;

TEST(Utf8, AcceptsAsciiAndWellFormedSequences) {
  EXPECT_EQ(find_invalid_utf8(""), npos);
  EXPECT_EQ(find_invalid_utf8("plain ascii text, longer than eight bytes"), npos);
  EXPECT_EQ(find_invalid_utf8("caf\xc3\xa9"), npos);                       // U+00E9
  EXPECT_EQ(find_invalid_utf8("\xe2\x82\xac 5"), npos);                    // U+20AC
  EXPECT_EQ(find_invalid_utf8("\xf0\x9f\x98\x80"), npos);                  // U+1F600
  EXPECT_EQ(find_invalid_utf8("\xc2\x80\xdf\xbf"), npos);                  // U+0080, U+07FF
  EXPECT_EQ(find_invalid_utf8("\xe0\xa0\x80\xef\xbf\xbf"), npos);          // U+0800, U+FFFF
  EXPECT_EQ(find_invalid_utf8("\xed\x9f\xbf\xee\x80\x80"), npos);          // U+D7FF, U+E000
  EXPECT_EQ(find_invalid_utf8("\xf0\x90\x80\x80\xf4\x8f\xbf\xbf"), npos);  // U+10000, U+10FFFF
  EXPECT_EQ(find_invalid_utf8(std::string("a\0b", 3)), npos);
}

TEST(Utf8, ReportsTheFirstBadByte) {
  EXPECT_EQ(find_invalid_utf8("\xff"), 0u);
  EXPECT_EQ(find_invalid_utf8("abcdefghij\x80"), 10u);   // lone continuation after a word
  EXPECT_EQ(find_invalid_utf8("ab\xc3"), 2u);            // truncated at the end
  EXPECT_EQ(find_invalid_utf8("ab\xc3z"), 2u);           // lead without continuation
  EXPECT_EQ(find_invalid_utf8("\xe2\x82z"), 0u);         // truncated 3-byte sequence
  EXPECT_EQ(find_invalid_utf8("ok\xc0\xaf"), 2u);        // overlong '/'
  EXPECT_EQ(find_invalid_utf8("\xc1\xbf"), 0u);          // overlong
  EXPECT_EQ(find_invalid_utf8("\xe0\x9f\xbf"), 0u);      // overlong 3-byte
  EXPECT_EQ(find_invalid_utf8("\xf0\x8f\xbf\xbf"), 0u);  // overlong 4-byte
  EXPECT_EQ(find_invalid_utf8("x\xed\xa0\x80"), 1u);     // surrogate U+D800
  EXPECT_EQ(find_invalid_utf8("\xf4\x90\x80\x80"), 0u);  // U+110000
  EXPECT_EQ(find_invalid_utf8("\xf5\x80\x80\x80"), 0u);  // lead byte F5
  EXPECT_EQ(find_invalid_utf8("\xc3\xa9\xfe"), 2u);      // after a valid sequence
  EXPECT_EQ(find_invalid_utf8("01234567\xc3\xa9"
                              "01234567\xff"),
            18u);
}

}  // namespace
}  // namespace skillsync::csv
