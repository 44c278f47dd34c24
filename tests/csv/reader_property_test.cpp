// Property tests over many random inputs:
//  - reading through random read sizes (down to 1 byte) and a tiny buffer
//    gives exactly the items of reading the input in one chunk;
//  - every item's line, byte_offset and raw agree with the input itself;
//  - valid CSV written from random rows reads back as those rows.
#include <gtest/gtest.h>

#include <random>

#include "test_readers.hpp"

namespace skillsync::csv::testing {
namespace {

using Items = std::vector<Item>;

// Line ends in data[0, n): what `line` of a record starting at n must be, less one.
uint64_t line_ends_before(const std::string& data, size_t n) {
  uint64_t lines = 0;
  for (size_t i = 0; i < n; ++i) {
    if (data[i] == '\r' || (data[i] == '\n' && (i == 0 || data[i - 1] != '\r'))) ++lines;
  }
  return lines;
}

std::string random_input(std::mt19937& rng, const Dialect& d) {
  static const std::vector<std::string> kPieces = {
      "a",
      "b",
      "xyz",
      ",",
      ";",
      "\t",
      "\"",
      "'",
      "\r",
      "\n",
      "\r\n",
      "\xc3\xa9",
      "\xe2\x82\xac",
      "\xf0\x9f\x98\x80",  // é € 😀
      "\xff",
      "\x80",
      "\xc3",
      "\xed\xa0\x80",  // invalid
  };
  std::string out;
  if (rng() % 10 == 0) out += "\xEF\xBB\xBF";
  const size_t n = rng() % 40;
  for (size_t i = 0; i < n; ++i) {
    // Favour the dialect's own delimiter and quote.
    switch (rng() % 6) {
      case 0:
        out += d.delimiter;
        break;
      case 1:
        out += d.quote;
        break;
      default:
        out += kPieces[rng() % kPieces.size()];
    }
  }
  return out;
}

Dialect random_dialect(std::mt19937& rng) {
  Dialect d;
  const char delims[] = {',', ';', '\t', '|'};
  d.delimiter = delims[rng() % 4];
  d.quote = rng() % 3 == 0 ? '\'' : '"';
  d.validate_utf8 = rng() % 4 != 0;
  if (rng() % 2 == 0) {
    d.max_field_bytes = 1 + rng() % 8;
    d.max_record_bytes = 1 + rng() % 24;
  }
  return d;
}

std::vector<size_t> random_chunks(std::mt19937& rng) {
  switch (rng() % 3) {
    case 0:
      return {1};
    case 1:
      return {1 + rng() % 5};
    default: {
      std::vector<size_t> c(1 + rng() % 8);
      for (auto& x : c) x = 1 + rng() % 20;
      return c;
    }
  }
}

void check_positions(const std::string& data, const Items& items) {
  uint64_t last_offset = 0;
  for (size_t k = 0; k < items.size(); ++k) {
    const Item& it = items[k];
    SCOPED_TRACE(::testing::Message() << "item " << k << ": " << it);
    ASSERT_LE(it.byte_offset + it.raw.size(), data.size());
    if (k > 0) {
      EXPECT_GT(it.byte_offset, last_offset);
    }
    last_offset = it.byte_offset;
    EXPECT_EQ(data.substr(it.byte_offset, it.raw.size()), it.raw);
    EXPECT_EQ(it.line, 1 + line_ends_before(data, it.byte_offset));
    const size_t after = it.byte_offset + it.raw.size();
    const bool at_line_end = after == data.size() || data[after] == '\r' || data[after] == '\n';
    EXPECT_TRUE(at_line_end || (it.is_error && it.raw.size() == 4096));
    EXPECT_LE(it.raw.size(), it.is_error ? 4096u : data.size());
  }
}

TEST(ReaderProperty, ReadSizesDoNotChangeTheResult) {
  std::mt19937 rng(20240611);
  for (int iter = 0; iter < 4000; ++iter) {
    const Dialect d = random_dialect(rng);
    const std::string data = random_input(rng, d);
    SCOPED_TRACE(::testing::Message() << "iter " << iter << " input '" << data << "' delim '"
                                      << d.delimiter << "' quote '" << d.quote << "' max_field "
                                      << d.max_field_bytes << " max_record " << d.max_record_bytes);
    // The reference read: the whole input in one read, no refill. (4 KiB
    // holds any input made here; the default 1 MiB buffer makes no
    // difference but is slow to allocate 4000 times under ASan.)
    Dialect one_chunk = d;
    one_chunk.read_buffer_bytes = 4096;
    ASSERT_LT(data.size(), 4096u);
    const Items whole = read_all(data, one_chunk);
    check_positions(data, whole);
    for (int variant = 0; variant < 3; ++variant) {
      Dialect small = d;
      small.read_buffer_bytes = 16 + rng() % 24;
      const std::vector<size_t> chunks = random_chunks(rng);
      ASSERT_EQ(read_all(data, small, chunks), whole) << "buffer " << small.read_buffer_bytes;
    }
  }
}

// Writes a field so that it reads back as itself.
std::string encode(const std::string& f, const Dialect& d, bool alone, std::mt19937& rng) {
  const bool needs_quotes =
      f.find_first_of(std::string{d.delimiter, d.quote, '\r', '\n'}) != std::string::npos ||
      (alone && f.empty());
  if (!needs_quotes && rng() % 4 != 0) return f;
  std::string out(1, d.quote);
  for (char c : f) {
    if (c == d.quote) out += d.quote;
    out += c;
  }
  out += d.quote;
  return out;
}

TEST(ReaderProperty, WrittenRowsReadBack) {
  std::mt19937 rng(7);
  const std::vector<std::string> pieces = {"a",  "Bc", " ",  ",",    ";",        "\"",
                                           "'",  "\r", "\n", "\r\n", "\xc3\xa9", "\xf0\x9f\x98\x80",
                                           "\t", "|"};
  const std::vector<std::string> line_ends = {"\n", "\r\n", "\r"};
  for (int iter = 0; iter < 1500; ++iter) {
    Dialect d = random_dialect(rng);
    d.max_field_bytes = 64 * 1024;
    d.max_record_bytes = 1024 * 1024;
    d.validate_utf8 = true;
    std::string data = rng() % 8 == 0 ? "\xEF\xBB\xBF" : "";
    Items expected;
    const size_t rows = rng() % 6;
    for (size_t r = 0; r < rows; ++r) {
      // Blank lines between records; after a lone CR an LF would only
      // complete its line end, which line_ends_before() accounts for.
      for (size_t b = rng() % 3; b > 0 && rng() % 2 == 0; --b) data += line_ends[rng() % 3];
      std::vector<std::string> fields(1 + rng() % 4);
      for (auto& f : fields) {
        for (size_t k = rng() % 5; k > 0; --k) f += pieces[rng() % pieces.size()];
      }
      const size_t offset = data.size();
      std::string raw;
      for (size_t i = 0; i < fields.size(); ++i) {
        if (i > 0) raw += d.delimiter;
        raw += encode(fields[i], d, fields.size() == 1, rng);
      }
      data += raw;
      expected.push_back(rec(fields, 1 + line_ends_before(data, offset), offset, raw));
      if (r + 1 < rows || rng() % 2 == 0) data += line_ends[rng() % 3];
    }
    SCOPED_TRACE(::testing::Message() << "iter " << iter << " input '" << data << "'");
    d.read_buffer_bytes = 16 + rng() % 100;
    EXPECT_EQ(read_all(data, d, random_chunks(rng)), expected);
  }
}

}  // namespace
}  // namespace skillsync::csv::testing
