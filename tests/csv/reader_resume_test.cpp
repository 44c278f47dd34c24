// Resuming from RecordReader::position(): a reader started at that offset
// (with the input opened there, as a ranged GET does) continues exactly
// where the first one was. This is what makes checkpointed loads exact.
#include <gtest/gtest.h>

#include <random>

#include "csv/csv.hpp"
#include "test_readers.hpp"

namespace skillsync::csv {
namespace {
using testing::ChunkedReader;
using testing::Item;
using testing::read_all;

// Reads `k` items, then resumes a second reader from position() and checks
// that the rest matches reading the whole input in one go.
void expect_resumes_everywhere(const std::string& data, const Dialect& dialect,
                               std::vector<size_t> chunks) {
  std::vector<Item> whole;
  {
    ChunkedReader in(data, chunks);
    RecordReader reader(in, dialect);
    whole = read_all(reader);
  }
  for (size_t k = 1; k <= whole.size(); ++k) {
    ChunkedReader in(data, chunks);
    RecordReader first(in, dialect);
    for (size_t i = 0; i < k; ++i) ASSERT_TRUE(first.next().ok());
    Position at = first.position();
    ASSERT_LE(at.byte_offset, data.size());
    ChunkedReader rest_in(data.substr(at.byte_offset), chunks);
    RecordReader rest(rest_in, dialect, at);
    std::vector<Item> tail = read_all(rest);
    std::vector<Item> expected(whole.begin() + static_cast<long>(k), whole.end());
    ASSERT_EQ(tail, expected) << "resumed after item " << k << " at byte " << at.byte_offset
                              << " line " << at.line << " of:\n"
                              << data;
  }
}

TEST(RecordReaderResume, ContinuesExactlyAfterEveryRecord) {
  const std::string data =
      "\xEF\xBB\xBF"
      "a,b,c\r\n"
      "1,\"two\r\nlines\",3\r\n"
      "\r\n"
      "4,5,6\n"
      "\"bad\"x,7,8\n"
      "9,\"open\n"
      "10,11,12\r"
      "13,14,15";
  for (std::vector<size_t> chunks : {std::vector<size_t>{}, {1}, {2, 3}, {7}}) {
    expect_resumes_everywhere(data, Dialect{}, chunks);
  }
}

TEST(RecordReaderResume, RandomInputs) {
  std::mt19937 rng(7);
  const std::string alphabet = "ab,\"\r\n\n,x";
  for (int round = 0; round < 300; ++round) {
    std::string data;
    size_t len = rng() % 80;
    for (size_t i = 0; i < len; ++i) data += alphabet[rng() % alphabet.size()];
    Dialect d;
    d.read_buffer_bytes = 16;
    d.max_record_bytes = 32;
    expect_resumes_everywhere(data, d, {1 + rng() % 5});
  }
}

}  // namespace
}  // namespace skillsync::csv
