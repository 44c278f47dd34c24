// Each error code: exact position, column and message, and that the next
// good record is still found.
#include <gtest/gtest.h>

#include "test_readers.hpp"

namespace skillsync::csv::testing {
namespace {

using Items = std::vector<Item>;

TEST(ReaderErrors, QuoteInsideUnquotedField) {
  EXPECT_EQ(read_all("a,b\"c,d\nx,y\n"),
            (Items{err("unexpected_quote", 2, 1, 0, "a,b\"c,d", "quote inside unquoted field 2"),
                   rec({"x", "y"}, 2, 8, "x,y")}));
}

TEST(ReaderErrors, TextAfterClosingQuote) {
  EXPECT_EQ(read_all("ok\r\n\"a\"b,c\r\nx\r\n"),
            (Items{rec({"ok"}, 1, 0, "ok"),
                   err("unexpected_quote", 1, 2, 4, "\"a\"b,c",
                       "text after the closing quote of field 1"),
                   rec({"x"}, 3, 12, "x")}));
}

TEST(ReaderErrors, UnexpectedQuoteAfterQuotedNewlineRejectsTheFirstLineAlone) {
  // The bad record would span lines 1-2: line 1 is reported and line 2 is
  // parsed again (and is bad in its own right).
  EXPECT_EQ(read_all("\"a\nb\"x,y\nz\n"),
            (Items{err("unexpected_quote", 1, 1, 0, "\"a",
                       "text after the closing quote of field 1 on line 2, in a record whose "
                       "quoted field 1 runs past the end of line 1; line 1 is rejected and "
                       "reading resumes on line 2"),
                   err("unexpected_quote", 1, 2, 3, "b\"x,y", "quote inside unquoted field 1"),
                   rec({"z"}, 3, 9, "z")}));
}

TEST(ReaderErrors, StrayQuoteClosedByALaterRowDoesNotSwallowTheRowsBetween) {
  // The quote opened on line 1 pairs with the first quote of line 4; without
  // the rewind, lines 1-4 would be one bad record and rows 2-3 would be lost.
  EXPECT_EQ(read_all("1,\"abc\r\n2,x\r\n3,y\r\n4,\"q\"\r\n5,z\r\n"),
            (Items{err("unexpected_quote", 2, 1, 0, "1,\"abc",
                       "text after the closing quote of field 2 on line 4, in a record whose "
                       "quoted field 2 runs past the end of line 1; line 1 is rejected and "
                       "reading resumes on line 2"),
                   rec({"2", "x"}, 2, 8, "2,x"), rec({"3", "y"}, 3, 13, "3,y"),
                   rec({"4", "q"}, 4, 18, "4,\"q\""), rec({"5", "z"}, 5, 25, "5,z")}));
  // The same with a quote inside an unquoted field as the break.
  EXPECT_EQ(read_all("\"a\nb\",c\"d\ne\n"),
            (Items{err("unexpected_quote", 1, 1, 0, "\"a",
                       "quote inside unquoted field 2 on line 2, in a record whose quoted field "
                       "1 runs past the end of line 1; line 1 is rejected and reading resumes on "
                       "line 2"),
                   err("unexpected_quote", 1, 2, 3, "b\",c\"d", "quote inside unquoted field 1"),
                   rec({"e"}, 3, 10, "e")}));
}

TEST(ReaderErrors, UnexpectedQuoteAtEndOfInput) {
  EXPECT_EQ(read_all("a\"b"),
            (Items{err("unexpected_quote", 1, 1, 0, "a\"b", "quote inside unquoted field 1")}));
  EXPECT_EQ(read_all("a,\"b\"c\r"), (Items{err("unexpected_quote", 2, 1, 0, "a,\"b\"c",
                                               "text after the closing quote of field 2")}));
}

TEST(ReaderErrors, StrayQuoteCostsOnlyItsLine) {
  std::string data;
  std::vector<uint64_t> offsets;
  for (int i = 1; i <= 10; ++i) {
    offsets.push_back(data.size());
    data += (i == 5 ? "\"r5" : "r" + std::to_string(i)) + ",v\n";
  }
  const Items items = read_all(data);
  ASSERT_EQ(items.size(), 10u);
  EXPECT_EQ(items[4], err("unterminated_quote", 1, 5, offsets[4], "\"r5,v",
                          "quoted field 1 is still open at the end of the input"));
  for (int i = 1; i <= 10; ++i) {
    if (i == 5) continue;
    const std::string name = "r" + std::to_string(i);
    EXPECT_EQ(items[i - 1], rec({name, "v"}, i, offsets[i - 1], name + ",v"));
  }
}

TEST(ReaderErrors, UnterminatedQuoteInLaterField) {
  EXPECT_EQ(read_all("a,\"b\nc,d\r\ne"),
            (Items{err("unterminated_quote", 2, 1, 0, "a,\"b",
                       "quoted field 2 is still open at the end of the input"),
                   rec({"c", "d"}, 2, 5, "c,d"), rec({"e"}, 3, 10, "e")}));
}

TEST(ReaderErrors, UnterminatedQuoteOnTheLastLine) {
  EXPECT_EQ(
      read_all("x\na,\"bc"),
      (Items{rec({"x"}, 1, 0, "x"), err("unterminated_quote", 2, 2, 2, "a,\"bc",
                                        "quoted field 2 is still open at the end of the input")}));
}

TEST(ReaderErrors, UnterminatedQuoteByRecordLimitResumesOnLineTwo) {
  // The quote on line 1 would close on line 4, but the record passes the
  // 8-byte limit first: line 1 is reported and lines 2-4 are parsed again.
  Dialect d;
  d.max_record_bytes = 8;
  EXPECT_EQ(read_all("a,\"b\nc\nd\ne\"\nf\n", d),
            (Items{err("unterminated_quote", 2, 1, 0, "a,\"b",
                       "quoted field 2 is still open when the record passes the 8 byte limit"),
                   rec({"c"}, 2, 5, "c"), rec({"d"}, 3, 7, "d"),
                   err("unexpected_quote", 1, 4, 9, "e\"", "quote inside unquoted field 1"),
                   rec({"f"}, 5, 12, "f")}));
}

TEST(ReaderErrors, UnterminatedQuoteWhoseFirstLineIsOverTheLimit) {
  Dialect d;
  d.max_record_bytes = 10;
  const std::string line1 = "\"" + std::string(50, 'x');
  EXPECT_EQ(read_all(line1 + "\nok\n", d),
            (Items{err("unterminated_quote", 1, 1, 0, line1,
                       "quoted field 1 is still open when the record passes the 10 byte limit"),
                   rec({"ok"}, 2, 52, "ok")}));
}

TEST(ReaderErrors, FieldTooLong) {
  const std::string big(70000, 'x');
  EXPECT_EQ(read_all("a," + big + ",b\nok\n"),
            (Items{err("field_too_long", 2, 1, 0, "a," + big.substr(0, 4094),
                       "field 2 is 70000 bytes, over the 65536 byte limit"),
                   rec({"ok"}, 2, 70005, "ok")}));
}

TEST(ReaderErrors, FieldTooLongCountsUnescapedBytes) {
  Dialect d;
  d.max_field_bytes = 3;
  EXPECT_EQ(read_all("\"a\"\"b\",abc\n\"a\"\"bc\"\n\"\nx\"\n", d),
            (Items{rec({"a\"b", "abc"}, 1, 0, "\"a\"\"b\",abc"),
                   err("field_too_long", 1, 2, 11, "\"a\"\"bc\"",
                       "field 1 is 4 bytes, over the 3 byte limit"),
                   rec({"\nx"}, 3, 19, "\"\nx\"")}));
}

TEST(ReaderErrors, FieldTooLongSkipsToTheRecordsEndAcrossQuotedNewlines) {
  Dialect d;
  d.max_field_bytes = 2;
  EXPECT_EQ(read_all("abc,\"x\ny\"\nz\n", d),
            (Items{err("field_too_long", 1, 1, 0, "abc,\"x\ny\"",
                       "field 1 is 3 bytes, over the 2 byte limit"),
                   rec({"z"}, 3, 10, "z")}));
}

TEST(ReaderErrors, RecordTooLong) {
  Dialect d;
  d.max_record_bytes = 10;
  EXPECT_EQ(
      read_all("0123456789\r\n0,2,4,6,8,X\nok\n", d),
      (Items{rec({"0123456789"}, 1, 0, "0123456789"),
             err("record_too_long", 0, 2, 12, "0,2,4,6,8,X", "record is over the 10 byte limit"),
             rec({"ok"}, 3, 24, "ok")}));
}

TEST(ReaderErrors, RecordTooLongWithQuotedNewlineBeforeTheLimit) {
  Dialect d;
  d.max_record_bytes = 8;
  EXPECT_EQ(
      read_all("\"a\nb\",cdefgh\nok", d),
      (Items{err("record_too_long", 0, 1, 0, "\"a\nb\",cdefgh", "record is over the 8 byte limit"),
             rec({"ok"}, 3, 13, "ok")}));
}

TEST(ReaderErrors, InvalidUtf8) {
  EXPECT_EQ(read_all("ok,\xff\xfe,x\nnext\n"),
            (Items{err("invalid_utf8", 2, 1, 0, "ok,\xff\xfe,x",
                       "field 2 is not valid UTF-8 (byte 0xff at offset 0 of the field)"),
                   rec({"next"}, 2, 8, "next")}));
  EXPECT_EQ(read_all("\"a\"\"b\xc3\",c"),
            (Items{err("invalid_utf8", 1, 1, 0, "\"a\"\"b\xc3\",c",
                       "field 1 is not valid UTF-8 (byte 0xc3 at offset 3 of the field)")}));
}

TEST(ReaderErrors, LowestColumnFieldErrorWins) {
  Dialect d;
  d.max_field_bytes = 3;
  EXPECT_EQ(read_all("a,\xff,long\n", d).at(0).code, "invalid_utf8");
  EXPECT_EQ(read_all("a,\xff,long\n", d).at(0).column, 2u);
  EXPECT_EQ(read_all("a,long,\xff\n", d).at(0).code, "field_too_long");
  EXPECT_EQ(read_all("a,long,\xff\n", d).at(0).column, 2u);
}

TEST(ReaderErrors, StructuralErrorWinsOverFieldError) {
  EXPECT_EQ(read_all("\xff,a\"b\nc").at(0),
            err("unexpected_quote", 2, 1, 0, "\xff,a\"b", "quote inside unquoted field 2"));
}

TEST(ReaderErrors, RawIsCutAt4KiB) {
  const std::string line = "a\"" + std::string(10000, 'z');
  const Items items = read_all(line + "\nnext");
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].raw, line.substr(0, 4096));
  EXPECT_EQ(items[1], rec({"next"}, 2, 10003, "next"));
}

TEST(ReaderErrors, ErrorThenCrlf) { EXPECT_EQ(read_all("a\"b\r\nc").at(1), rec({"c"}, 2, 5, "c")); }

}  // namespace
}  // namespace skillsync::csv::testing
