// csv::append_field and csv::RowWriter: quoting exactly when needed (so the
// record reader reads the same bytes back in any dialect), CRLF rows, and
// valid UTF-8 out of any bytes.
#include "csv/csv_writer.hpp"

#include <gtest/gtest.h>

#include "common/string_byte_reader.hpp"
#include "csv/csv.hpp"

namespace skillsync::csv {
namespace {

std::string field(std::string_view f, char delimiter = ',', char quote = '"') {
  std::string out;
  append_field(out, f, delimiter, quote);
  return out;
}

TEST(AppendField, QuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(field("plain"), "plain");
  EXPECT_EQ(field(""), "");
  EXPECT_EQ(field(" lead"), "\" lead\"");
  EXPECT_EQ(field("trail "), "\"trail \"");
  EXPECT_EQ(field("in side"), "in side");
  EXPECT_EQ(field("li\nne"), "\"li\nne\"");
  EXPECT_EQ(field("cr\r"), "\"cr\r\"");
  EXPECT_EQ(field("a,b"), "\"a,b\"");
  EXPECT_EQ(field("say \"hi\""), "\"say \"\"hi\"\"\"");
}

TEST(AppendField, UsesTheDialectsDelimiterAndQuote) {
  EXPECT_EQ(field("a,b", ';', '\''), "a,b");
  EXPECT_EQ(field("a;b", ';', '\''), "'a;b'");
  EXPECT_EQ(field("it's", ';', '\''), "'it''s'");
  EXPECT_EQ(field("say \"hi\"", '\t', '\''), "say \"hi\"");
  EXPECT_EQ(field("a\tb", '\t', '\''), "'a\tb'");
}

TEST(AppendField, BytesPassAsTheyAre) {
  EXPECT_EQ(field("caf\xC3\xA9"), "caf\xC3\xA9");
  EXPECT_EQ(field("\xE9t\xE9"), "\xE9t\xE9");
}

TEST(RowWriter, WritesDelimitedCrlfRows) {
  RowWriter w(';', '\'');
  std::string out;
  w.field(out, "a");
  w.field(out, "b;c");
  w.field(out, "");
  w.end(out);
  w.field(out, "next");
  w.end(out);
  EXPECT_EQ(out, "a;'b;c';\r\nnext\r\n");
}

// Each maximal ill-formed subpart becomes one U+FFFD.
TEST(RowWriter, MakesEveryFieldValidUtf8) {
  auto fix = [](std::string_view s) {
    RowWriter w;
    std::string out;
    w.field(out, s);
    return out;
  };
  const std::string r = "\xEF\xBF\xBD";
  EXPECT_EQ(fix("a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z"),
            "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z");
  EXPECT_EQ(fix("\xE9t\xE9"), r + "t" + r);           // latin1 bytes
  EXPECT_EQ(fix("\xF0\x9F\x98"), r);                  // a cut 4-byte sequence: one subpart
  EXPECT_EQ(fix("\xE0\x80\x80"), r + r + r);          // overlong: no valid prefix
  EXPECT_EQ(fix("\xED\xA0\x80"), r + r + r);          // a surrogate
  EXPECT_EQ(fix("\xF4\x90\x80\x80"), r + r + r + r);  // above U+10FFFF
  EXPECT_EQ(fix("\xC3"), r);
  EXPECT_EQ(fix("\xE2\x82x"), r + "x");
  EXPECT_EQ(fix("\xE9,x"), "\"" + r + ",x\"") << "repaired, then quoted";
}

// What the writer writes, the reader reads back field for field.
TEST(RowWriter, RoundTripsThroughTheRecordReader) {
  const std::vector<std::string> fields = {
      "plain", " padded ", "multi\nline", "q\"uote", "semi;colon", "it's", "", "tab\there"};
  for (auto [delimiter, quote] :
       {std::pair{',', '"'}, std::pair{';', '\''}, std::pair{'\t', '\''}, std::pair{'|', '"'}}) {
    SCOPED_TRACE(std::string(1, delimiter) + quote);
    RowWriter w(delimiter, quote);
    std::string text;
    for (const auto& f : fields) w.field(text, f);
    w.end(text);
    Dialect dialect;
    dialect.delimiter = delimiter;
    dialect.quote = quote;
    StringByteReader input{text};
    RecordReader reader(input, dialect);
    auto item = reader.next();
    ASSERT_TRUE(item.ok());
    ASSERT_EQ(*item, RecordReader::Item::kRecord);
    std::vector<std::string> back(reader.record().fields.begin(), reader.record().fields.end());
    EXPECT_EQ(back, fields);
    auto end = reader.next();
    ASSERT_TRUE(end.ok());
    EXPECT_EQ(*end, RecordReader::Item::kEnd);
  }
}

}  // namespace
}  // namespace skillsync::csv
