// EncodingReader: full tables checked against glibc's iconv, BOM handling,
// invalid input turned into rows the CSV reader rejects, and independence
// from read and chunk sizes.
#include "csv/encoding.hpp"

#include <gtest/gtest.h>
#include <iconv.h>

#include <random>

#include "test_readers.hpp"

namespace skillsync::csv::testing {
namespace {

// Converts all of `in` with iconv; nullopt if iconv rejects a byte.
std::optional<std::string> iconv_to_utf8(const char* from, const std::string& in) {
  iconv_t cd = iconv_open("UTF-8", from);
  EXPECT_NE(cd, reinterpret_cast<iconv_t>(-1)) << from;
  std::string out(in.size() * 4 + 16, '\0');
  char* ip = const_cast<char*>(in.data());
  size_t il = in.size();
  char* op = out.data();
  size_t ol = out.size();
  const size_t r = iconv(cd, &ip, &il, &op, &ol);
  iconv_close(cd);
  if (r == static_cast<size_t>(-1)) return std::nullopt;
  out.resize(out.size() - ol);
  return out;
}

// Reads to the end with read sizes drawn from [1, max_read].
Result<std::string> drain(ByteReader& r, uint32_t seed, size_t max_read = 64) {
  std::mt19937 rng(seed);
  std::string out;
  std::vector<char> buf(max_read);
  for (;;) {
    const size_t want = rng() % 3 == 0 ? 1 : 1 + rng() % max_read;
    Result<size_t> n = r.read(std::span<char>(buf.data(), want));
    if (!n.ok()) return n.error();
    if (*n == 0) return out;
    EXPECT_LE(*n, want);
    out.append(buf.data(), *n);
  }
}

Result<std::string> convert(const std::string& in, Encoding e) {
  StringReader raw(in);
  EncodingReader reader(raw, e);
  return drain(reader, 1, 1 << 16);
}

std::string utf16(const std::u16string& s, bool big_endian, bool bom = true) {
  std::string out;
  auto put = [&](char16_t u) {
    const char hi = static_cast<char>(u >> 8), lo = static_cast<char>(u & 0xFF);
    out += big_endian ? hi : lo;
    out += big_endian ? lo : hi;
  };
  if (bom) put(0xFEFF);
  for (char16_t u : s) put(u);
  return out;
}

TEST(ParseEncoding, NamesAndAliasesInAnyCase) {
  EXPECT_EQ(parse_encoding("utf-8"), Encoding::kUtf8);
  EXPECT_EQ(parse_encoding("UTF8"), Encoding::kUtf8);
  EXPECT_EQ(parse_encoding("UTF-16"), Encoding::kUtf16);
  EXPECT_EQ(parse_encoding("utf16"), Encoding::kUtf16);
  EXPECT_EQ(parse_encoding("Latin1"), Encoding::kLatin1);
  EXPECT_EQ(parse_encoding("ISO-8859-1"), Encoding::kLatin1);
  EXPECT_EQ(parse_encoding("windows-1252"), Encoding::kWindows1252);
  EXPECT_EQ(parse_encoding("CP1252"), Encoding::kWindows1252);
  for (const char* bad : {"", "utf-32", "ascii", "latin2", "utf-16le", " utf-8", "windows1252"}) {
    EXPECT_EQ(parse_encoding(bad), std::nullopt) << bad;
  }
  for (Encoding e :
       {Encoding::kUtf8, Encoding::kUtf16, Encoding::kLatin1, Encoding::kWindows1252}) {
    EXPECT_EQ(parse_encoding(to_string(e)), e);
  }
}

TEST(SingleByte, Latin1FullTableMatchesIconv) {
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  Result<std::string> out = convert(all, Encoding::kLatin1);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, iconv_to_utf8("ISO-8859-1", all).value());
  EXPECT_EQ(*convert("caf\xe9 \xbd\xff", Encoding::kLatin1), "caf\xc3\xa9 \xc2\xbd\xc3\xbf");
}

TEST(SingleByte, Windows1252FullTableMatchesIconv) {
  const std::string undefined = "\x81\x8d\x8f\x90\x9d";
  for (int b = 0; b < 256; ++b) {
    const std::string in(1, static_cast<char>(b));
    SCOPED_TRACE(b);
    Result<std::string> out = convert(in, Encoding::kWindows1252);
    ASSERT_TRUE(out.ok());
    if (undefined.find(static_cast<char>(b)) != std::string::npos) {
      EXPECT_EQ(*out, "\xff");
      EXPECT_EQ(iconv_to_utf8("CP1252", in), std::nullopt);  // iconv agrees they are undefined
    } else {
      EXPECT_EQ(*out, iconv_to_utf8("CP1252", in).value());
    }
  }
  EXPECT_EQ(*convert("\x80 5, \x93ok\x94", Encoding::kWindows1252),
            "\xe2\x82\xac 5, \xe2\x80\x9cok\xe2\x80\x9d");
}

TEST(Utf16, EveryCodePointBothByteOrdersMatchesIconv) {
  std::u16string all;
  for (uint32_t cp = 1; cp < 0x10000; ++cp) {
    if (cp < 0xD800 || cp > 0xDFFF) all += static_cast<char16_t>(cp);
  }
  for (uint32_t cp = 0x10000; cp <= 0x10FFFF; cp += 0x3F1) {  // every 1009th astral one
    all += static_cast<char16_t>(0xD800 + ((cp - 0x10000) >> 10));
    all += static_cast<char16_t>(0xDC00 + ((cp - 0x10000) & 0x3FF));
  }
  for (bool be : {false, true}) {
    const std::string in = utf16(all, be);
    Result<std::string> out = convert(in, Encoding::kUtf16);
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(*out, iconv_to_utf8(be ? "UTF-16BE" : "UTF-16LE", in.substr(2)).value());
  }
}

TEST(Utf16, RepresentativeText) {
  const std::u16string text = u"id,name\n1,Zo\u00eb \u20ac \U0001F600\n";
  const std::string expected = "id,name\n1,Zo\xc3\xab \xe2\x82\xac \xf0\x9f\x98\x80\n";
  EXPECT_EQ(*convert(utf16(text, false), Encoding::kUtf16), expected);
  EXPECT_EQ(*convert(utf16(text, true), Encoding::kUtf16), expected);
}

TEST(Utf16, ByteOrderMark) {
  // Dropped, not passed on.
  EXPECT_EQ(*convert(utf16(u"", false), Encoding::kUtf16), "");
  EXPECT_EQ(*convert(utf16(u"a", true), Encoding::kUtf16), "a");
  // An empty file is empty, not an encoding error.
  EXPECT_EQ(*convert("", Encoding::kUtf16), "");
  // Without a BOM: an error, also for a single byte.
  for (const std::string& in : {utf16(u"a,b\n", false, false), std::string("a"),
                                std::string("\xef\xbb\xbf"
                                            "a,b")}) {
    Result<std::string> out = convert(in, Encoding::kUtf16);
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.error().code, "invalid_encoding");
  }
}

TEST(Utf16, InvalidUnitsBecomeInvalidUtf8Bytes) {
  const char16_t hi = 0xD83D, lo = 0xDE00;
  struct {
    std::u16string in;
    std::string out;
  } cases[] = {
      {{u'a', hi, u'b'},
       "a\xff"
       "b"},
      {{u'a', lo, u'b'},
       "a\xff"
       "b"},
      {{hi, hi, lo}, "\xff\xf0\x9f\x98\x80"},  // the second high one pairs
      {{u'a', hi}, "a\xff"},                   // at the very end
      {{lo, hi}, "\xff\xff"},
  };
  for (const auto& c : cases) {
    for (bool be : {false, true}) {
      EXPECT_EQ(*convert(utf16(c.in, be), Encoding::kUtf16), c.out);
    }
  }
  // An odd final byte.
  EXPECT_EQ(*convert(utf16(u"ab", false) + "x", Encoding::kUtf16), "ab\xff");
}

// The point of the 0xFF bytes: only the affected row is rejected.
TEST(Utf16, CsvReaderRejectsOnlyTheAffectedRow) {
  const std::u16string text = u"a,b\n1,x\xD800y\n2,z\n3,\xDC00\n";
  StringReader raw(utf16(text, false));
  EncodingReader utf8(raw, Encoding::kUtf16);
  RecordReader reader(utf8);
  const std::vector<Item> items = read_all(reader);
  ASSERT_EQ(items.size(), 4u);
  EXPECT_EQ(items[0].fields, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(items[1].code, "invalid_utf8");
  EXPECT_EQ(items[1].line, 2u);
  EXPECT_EQ(items[1].column, 2u);
  EXPECT_EQ(items[2].fields, (std::vector<std::string>{"2", "z"}));
  EXPECT_EQ(items[2].line, 3u);
  EXPECT_EQ(items[2].byte_offset, 10u);  // in the UTF-8 stream: "a,b\n1,x\xffy\n"
  EXPECT_EQ(items[3].code, "invalid_utf8");
  EXPECT_EQ(items[3].line, 4u);
}

TEST(Windows1252, UndefinedByteRejectsOnlyItsRow) {
  StringReader raw("a,b\n1,\x81\n2,\x80\n");
  EncodingReader utf8(raw, Encoding::kWindows1252);
  RecordReader reader(utf8);
  const std::vector<Item> items = read_all(reader);
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[1].code, "invalid_utf8");
  EXPECT_EQ(items[1].line, 2u);
  EXPECT_EQ(items[2].fields, (std::vector<std::string>{"2", "\xe2\x82\xac"}));
}

TEST(Utf8, PassesThroughUnchangedBomIncluded) {
  const std::string in =
      "\xef\xbb\xbf"
      "a,\xc3\xa9\n\xff";
  EXPECT_EQ(*convert(in, Encoding::kUtf8), in);
}

std::string random_bytes(std::mt19937& rng, size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    // Favour the interesting ranges: ASCII, 0x80-0x9F, and surrogate high bytes.
    switch (rng() % 4) {
      case 0:
        s += static_cast<char>('a' + rng() % 26);
        break;
      case 1:
        s += static_cast<char>(0x80 + rng() % 32);
        break;
      case 2:
        s += static_cast<char>(0xD8 + rng() % 8);
        break;
      default:
        s += static_cast<char>(rng());
    }
  }
  return s;
}

TEST(ChunkSizes, DoNotChangeTheOutput) {
  std::mt19937 rng(99);
  for (int iter = 0; iter < 3000; ++iter) {
    const Encoding e = static_cast<Encoding>(rng() % 4);
    std::string in = random_bytes(rng, rng() % 200);
    if (e == Encoding::kUtf16) in = (rng() % 2 ? "\xff\xfe" : "\xfe\xff") + in;
    SCOPED_TRACE(::testing::Message() << to_string(e) << " iter " << iter);
    const Result<std::string> whole = convert(in, e);
    ASSERT_TRUE(whole.ok());
    std::vector<size_t> chunks(1 + rng() % 5);
    for (auto& c : chunks) c = rng() % 3 == 0 ? 1 : 1 + rng() % 9;
    ChunkedReader raw(in, chunks);
    EncodingReader reader(raw, e, 16 + rng() % 40);
    Result<std::string> out = drain(reader, rng(), 1 + rng() % 12);
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(*out, *whole);
    EXPECT_EQ(reader.input_bytes(), in.size());
  }
}

// Fails on its second read.
class FailingReader : public ByteReader {
 public:
  Result<size_t> read(std::span<char> buf) override {
    if (++calls > 1) return Error{"SlowDown", "try later"};
    buf[0] = 'a';
    return size_t{1};
  }
  int calls = 0;
};

TEST(InputErrors, AreReturnedAndStick) {
  for (Encoding e : {Encoding::kUtf8, Encoding::kLatin1, Encoding::kUtf16}) {
    FailingReader raw;
    EncodingReader reader(raw, e);
    char b[8];
    Result<size_t> r = reader.read(b);
    if (e != Encoding::kUtf16) {  // UTF-16 needs two bytes before it can say anything
      ASSERT_TRUE(r.ok());
      r = reader.read(b);
    }
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "SlowDown");
    const int calls = raw.calls;
    EXPECT_FALSE(reader.read(b).ok());
    EXPECT_EQ(raw.calls, calls);
  }
}

}  // namespace
}  // namespace skillsync::csv::testing
