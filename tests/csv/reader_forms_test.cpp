// Every accepted RFC 4180 form, with positions.
#include <gtest/gtest.h>

#include "test_readers.hpp"

namespace skillsync::csv::testing {
namespace {

using Items = std::vector<Item>;

TEST(ReaderForms, LfFile) {
  EXPECT_EQ(read_all("a,b,c\n1,2,3\n"),
            (Items{rec({"a", "b", "c"}, 1, 0, "a,b,c"), rec({"1", "2", "3"}, 2, 6, "1,2,3")}));
}

TEST(ReaderForms, CrlfFile) {
  EXPECT_EQ(read_all("a,b\r\n1,2\r\n"),
            (Items{rec({"a", "b"}, 1, 0, "a,b"), rec({"1", "2"}, 2, 5, "1,2")}));
}

TEST(ReaderForms, LoneCrEndsALine) {
  EXPECT_EQ(read_all("a\rb\r"), (Items{rec({"a"}, 1, 0, "a"), rec({"b"}, 2, 2, "b")}));
}

TEST(ReaderForms, MixedLineEnds) {
  EXPECT_EQ(read_all("a\r\nb\nc\rd"), (Items{rec({"a"}, 1, 0, "a"), rec({"b"}, 2, 3, "b"),
                                             rec({"c"}, 3, 5, "c"), rec({"d"}, 4, 7, "d")}));
}

TEST(ReaderForms, QuotedFields) {
  EXPECT_EQ(read_all("\"a\",\"b c\"\n"), (Items{rec({"a", "b c"}, 1, 0, "\"a\",\"b c\"")}));
}

TEST(ReaderForms, EscapedQuotes) {
  EXPECT_EQ(read_all("\"he said \"\"hi\"\"\",x\n"),
            (Items{rec({"he said \"hi\"", "x"}, 1, 0, "\"he said \"\"hi\"\"\",x")}));
  EXPECT_EQ(read_all("\"\"\"\"\n"), (Items{rec({"\""}, 1, 0, "\"\"\"\"")}));
  EXPECT_EQ(read_all("\"a\"\"\",\"\"\"b\",\"c\"\"d\"\"e\""),
            (Items{rec({"a\"", "\"b", "c\"d\"e"}, 1, 0, "\"a\"\"\",\"\"\"b\",\"c\"\"d\"\"e\"")}));
}

TEST(ReaderForms, DelimiterInsideQuotes) {
  EXPECT_EQ(read_all("\"a,b\",c"), (Items{rec({"a,b", "c"}, 1, 0, "\"a,b\",c")}));
}

TEST(ReaderForms, LfInsideQuotesAdvancesTheNextRecordsLine) {
  EXPECT_EQ(read_all("\"l1\nl2\",x\nnext\n"),
            (Items{rec({"l1\nl2", "x"}, 1, 0, "\"l1\nl2\",x"), rec({"next"}, 3, 10, "next")}));
}

TEST(ReaderForms, CrlfAndCrInsideQuotes) {
  EXPECT_EQ(read_all("\"a\r\nb\"\r\nc\r\n"),
            (Items{rec({"a\r\nb"}, 1, 0, "\"a\r\nb\""), rec({"c"}, 3, 8, "c")}));
  EXPECT_EQ(read_all("\"a\rb\"\rc"),
            (Items{rec({"a\rb"}, 1, 0, "\"a\rb\""), rec({"c"}, 3, 6, "c")}));
  EXPECT_EQ(read_all("\"\n\n\r\n\r\",x\ny"),
            (Items{rec({"\n\n\r\n\r", "x"}, 1, 0, "\"\n\n\r\n\r\",x"), rec({"y"}, 6, 10, "y")}));
}

TEST(ReaderForms, BomIsSkippedButCountsInOffsets) {
  EXPECT_EQ(read_all("\xEF\xBB\xBF"
                     "a,b\nc\n"),
            (Items{rec({"a", "b"}, 1, 3, "a,b"), rec({"c"}, 2, 7, "c")}));
  EXPECT_EQ(read_all("\xEF\xBB\xBF"), Items{});
  EXPECT_EQ(read_all("\xEF\xBB\xBF\n\"q\""), (Items{rec({"q"}, 2, 4, "\"q\"")}));
}

TEST(ReaderForms, BomSplitAcrossReads) {
  EXPECT_EQ(read_all("\xEF\xBB\xBF"
                     "a\n",
                     {}, {1}),
            (Items{rec({"a"}, 1, 3, "a")}));
}

TEST(ReaderForms, BomLaterInTheFileIsData) {
  EXPECT_EQ(read_all("a\n\xEF\xBB\xBF"
                     "b"),
            (Items{rec({"a"}, 1, 0, "a"), rec({"\xEF\xBB\xBF"
                                               "b"},
                                              2, 2,
                                              "\xEF\xBB\xBF"
                                              "b")}));
}

TEST(ReaderForms, NoFinalNewline) {
  EXPECT_EQ(read_all("a,b\nc,d"),
            (Items{rec({"a", "b"}, 1, 0, "a,b"), rec({"c", "d"}, 2, 4, "c,d")}));
  EXPECT_EQ(read_all("\"x\""), (Items{rec({"x"}, 1, 0, "\"x\"")}));
  EXPECT_EQ(read_all("a,"), (Items{rec({"a", ""}, 1, 0, "a,")}));
}

TEST(ReaderForms, EmptyFields) {
  EXPECT_EQ(read_all(",,\n"), (Items{rec({"", "", ""}, 1, 0, ",,")}));
  EXPECT_EQ(read_all("a,,b\r\n"), (Items{rec({"a", "", "b"}, 1, 0, "a,,b")}));
  EXPECT_EQ(read_all(",a"), (Items{rec({"", "a"}, 1, 0, ",a")}));
  EXPECT_EQ(read_all(","), (Items{rec({"", ""}, 1, 0, ",")}));
}

TEST(ReaderForms, EmptyQuotedFields) {
  EXPECT_EQ(read_all("\"\",\"\"\n"), (Items{rec({"", ""}, 1, 0, "\"\",\"\"")}));
  // A line holding only "" is a record, unlike a blank line.
  EXPECT_EQ(read_all("\"\"\n\n"), (Items{rec({""}, 1, 0, "\"\"")}));
  EXPECT_EQ(read_all("a,\"\""), (Items{rec({"a", ""}, 1, 0, "a,\"\"")}));
}

TEST(ReaderForms, BlankLinesAreSkipped) {
  EXPECT_EQ(read_all("\n\na\n\n\r\n\rb\n\n"),
            (Items{rec({"a"}, 3, 2, "a"), rec({"b"}, 7, 8, "b")}));
  EXPECT_EQ(read_all(""), Items{});
  EXPECT_EQ(read_all("\r\n\n\r"), Items{});
}

TEST(ReaderForms, WhitespaceIsData) {
  EXPECT_EQ(read_all(" a , b \n"), (Items{rec({" a ", " b "}, 1, 0, " a , b ")}));
  EXPECT_EQ(read_all(" \n"), (Items{rec({" "}, 1, 0, " ")}));
}

TEST(ReaderForms, OtherDelimiters) {
  Dialect semi;
  semi.delimiter = ';';
  EXPECT_EQ(read_all("a;b,c;\"d;e\"\n", semi),
            (Items{rec({"a", "b,c", "d;e"}, 1, 0, "a;b,c;\"d;e\"")}));
  Dialect tab;
  tab.delimiter = '\t';
  EXPECT_EQ(read_all("a\tb c\t\n", tab), (Items{rec({"a", "b c", ""}, 1, 0, "a\tb c\t")}));
  Dialect pipe;
  pipe.delimiter = '|';
  EXPECT_EQ(read_all("1|\"x|y\"|,\r\n", pipe),
            (Items{rec({"1", "x|y", ","}, 1, 0, "1|\"x|y\"|,")}));
}

TEST(ReaderForms, OtherQuoteCharacter) {
  Dialect d;
  d.delimiter = '|';
  d.quote = '\'';
  EXPECT_EQ(read_all("'a''b'|\"x\"|'c\nd'\n", d),
            (Items{rec({"a'b", "\"x\"", "c\nd"}, 1, 0, "'a''b'|\"x\"|'c\nd'")}));
}

TEST(ReaderForms, MultibyteUtf8Fields) {
  EXPECT_EQ(read_all("caf\xc3\xa9,\"\xe2\x82\xac\"\"\xf0\x9f\x98\x80\"\n"),
            (Items{rec({"caf\xc3\xa9", "\xe2\x82\xac\"\xf0\x9f\x98\x80"}, 1, 0,
                       "caf\xc3\xa9,\"\xe2\x82\xac\"\"\xf0\x9f\x98\x80\"")}));
}

TEST(ReaderForms, InvalidUtf8AcceptedWhenValidationIsOff) {
  Dialect d;
  d.validate_utf8 = false;
  EXPECT_EQ(read_all("\xff,\xc3\n", d), (Items{rec({"\xff", "\xc3"}, 1, 0, "\xff,\xc3")}));
}

TEST(ReaderForms, ManyRecordsThroughATinyBuffer) {
  std::string data;
  for (int i = 0; i < 2000; ++i) {
    data += std::to_string(i) + ",\"q" + std::to_string(i) + "\"\"x\"\r\n";
  }
  Dialect d;
  d.read_buffer_bytes = 16;
  const Items items = read_all(data, d, {1, 3, 7, 16, 2});
  ASSERT_EQ(items.size(), 2000u);
  uint64_t offset = 0;
  for (int i = 0; i < 2000; ++i) {
    const std::string raw = std::to_string(i) + ",\"q" + std::to_string(i) + "\"\"x\"";
    EXPECT_EQ(items[i],
              rec({std::to_string(i), "q" + std::to_string(i) + "\"x"}, i + 1, offset, raw));
    offset += raw.size() + 2;
  }
}

TEST(Reader, BytesConsumedTracksParsingAndEndsAtTheInputSize) {
  const std::string data = "a,b\nc,d\n";
  StringReader in(data);
  RecordReader reader(in);
  EXPECT_EQ(reader.bytes_consumed(), 0u);
  ASSERT_EQ(*reader.next(), RecordReader::Item::kRecord);
  EXPECT_EQ(reader.bytes_consumed(), 4u);
  ASSERT_EQ(*reader.next(), RecordReader::Item::kRecord);
  EXPECT_EQ(reader.bytes_consumed(), 8u);
  ASSERT_EQ(*reader.next(), RecordReader::Item::kEnd);
  EXPECT_EQ(reader.bytes_consumed(), data.size());
  EXPECT_EQ(*reader.next(), RecordReader::Item::kEnd);  // stays at the end
}

// Fails with an I/O error after handing out `good` bytes.
class FailingReader : public ByteReader {
 public:
  explicit FailingReader(std::string good) : good_(std::move(good)) {}
  Result<size_t> read(std::span<char> buf) override {
    if (pos_ == good_.size()) return Error{"io_error", "connection reset"};
    const size_t n = std::min(buf.size(), good_.size() - pos_);
    std::memcpy(buf.data(), good_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  std::string good_;
  size_t pos_ = 0;
};

TEST(Reader, InputErrorIsReturnedAndSticks) {
  FailingReader in("a,b\nc,");
  RecordReader reader(in);
  ASSERT_EQ(*reader.next(), RecordReader::Item::kRecord);
  EXPECT_EQ(reader.record().fields[1], "b");
  Result<RecordReader::Item> r = reader.next();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "io_error");
  Result<RecordReader::Item> again = reader.next();
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "io_error");
}

TEST(Reader, InvalidDialectIsAnError) {
  for (auto [delim, quote] : {std::pair{',', ','}, {'\n', '"'}, {',', '\r'}}) {
    Dialect d;
    d.delimiter = delim;
    d.quote = quote;
    StringReader in("a,b\n");
    RecordReader reader(in, d);
    Result<RecordReader::Item> r = reader.next();
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "invalid_dialect");
  }
}

}  // namespace
}  // namespace skillsync::csv::testing
