// Throughput of csv::RecordReader on in-memory input (bytes/s of CSV text).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "csv/csv.hpp"

namespace {

using skillsync::ByteReader;
using skillsync::Result;
namespace csv = skillsync::csv;

// Hands out the string in reads of up to `chunk` bytes, like a network source.
class MemoryReader : public ByteReader {
 public:
  MemoryReader(const std::string& data, size_t chunk) : data_(data), chunk_(chunk) {}
  Result<size_t> read(std::span<char> buf) override {
    const size_t n = std::min({buf.size(), chunk_, data_.size() - pos_});
    std::memcpy(buf.data(), data_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  const std::string& data_;
  size_t chunk_;
  size_t pos_ = 0;
};

// About 64 MiB of a skill-event-like file with six columns.
std::string make_input(bool quoted) {
  std::string out = "employee_id,email,skill,occurred_at,score,kind\n";
  const char* skills[] = {"C++", "Data Analysis", "Negotiation", "Kubernetes", "Go"};
  for (size_t i = 0; out.size() < (64u << 20); ++i) {
    out += std::to_string(100000 + i);
    out += ",user";
    out += std::to_string(i % 9973);
    out += "@example.com,";
    if (quoted) {
      out += "\"";
      out += skills[i % 5];
      out += i % 7 == 0 ? " \"\"advanced\"\", level 3\"" : "\"";
    } else {
      out += skills[i % 5];
    }
    out += ",2024-03-";
    out += std::to_string(10 + i % 18);
    out += "T12:34:56Z,";
    out += std::to_string(i % 100);
    out += ".5,learning\n";
  }
  return out;
}

void run(benchmark::State& state, const std::string& input) {
  size_t records = 0;
  for (auto _ : state) {
    MemoryReader in(input, 1 << 20);
    csv::RecordReader reader(in);
    for (;;) {
      auto item = reader.next();
      if (!item.ok() || *item == csv::RecordReader::Item::kEnd) break;
      if (*item == csv::RecordReader::Item::kRecord) {
        benchmark::DoNotOptimize(reader.record().fields.data());
        ++records;
      }
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * input.size()));
  state.counters["records/s"] =
      benchmark::Counter(static_cast<double>(records), benchmark::Counter::kIsRate);
}

void BM_SixColumnsUnquoted(benchmark::State& state) {
  static const std::string input = make_input(false);
  run(state, input);
}
BENCHMARK(BM_SixColumnsUnquoted)->Unit(benchmark::kMillisecond);

void BM_SixColumnsQuoted(benchmark::State& state) {
  static const std::string input = make_input(true);
  run(state, input);
}
BENCHMARK(BM_SixColumnsQuoted)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
