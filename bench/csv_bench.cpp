// Throughput of csv::RecordReader on in-memory input (bytes/s of CSV text),
// alone and behind the stream adapters: gzip / zstd decompression and the
// windows-1252 -> UTF-8 conversion. Rates are of the uncompressed text
// (of the windows-1252 text for the encoding benchmarks).
#include <benchmark/benchmark.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "csv/csv.hpp"
#include "csv/encoding.hpp"
#include "source/decompress/decompress.hpp"

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

// Parses everything `make_reader(raw)` yields from the input; the rate is
// reported against `text_bytes`.
template <class MakeReader>
void run_through(benchmark::State& state, const std::string& input, size_t text_bytes,
                 MakeReader make_reader) {
  size_t records = 0;
  for (auto _ : state) {
    MemoryReader raw(input, 1 << 20);
    auto adapter = make_reader(raw);
    csv::RecordReader reader(*adapter);
    for (;;) {
      auto item = reader.next();
      if (!item.ok() || *item == csv::RecordReader::Item::kEnd) break;
      if (*item == csv::RecordReader::Item::kRecord) {
        benchmark::DoNotOptimize(reader.record().fields.data());
        ++records;
      }
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text_bytes));
  state.counters["records/s"] =
      benchmark::Counter(static_cast<double>(records), benchmark::Counter::kIsRate);
}

// The raw reader itself, as a unique_ptr like the adapters.
struct Borrowed : ByteReader {
  explicit Borrowed(ByteReader& r) : inner(r) {}
  Result<size_t> read(std::span<char> buf) override { return inner.read(buf); }
  ByteReader& inner;
};

void run(benchmark::State& state, const std::string& input) {
  run_through(state, input, input.size(),
              [](ByteReader& raw) { return std::make_unique<Borrowed>(raw); });
}

// Reads the adapter to the end without parsing, 1 MiB at a time.
template <class MakeReader>
void drain(benchmark::State& state, const std::string& input, size_t text_bytes,
           MakeReader make_reader) {
  std::vector<char> buf(1 << 20);
  for (auto _ : state) {
    MemoryReader raw(input, 1 << 20);
    auto adapter = make_reader(raw);
    for (;;) {
      auto n = adapter->read(buf);
      if (!n.ok() || *n == 0) break;
      benchmark::DoNotOptimize(buf.data());
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text_bytes));
}

std::string gzip(const std::string& data) {
  z_stream s{};
  deflateInit2(&s, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&s, data.size()), '\0');
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  s.avail_in = static_cast<uInt>(data.size());
  s.next_out = reinterpret_cast<Bytef*>(out.data());
  s.avail_out = static_cast<uInt>(out.size());
  deflate(&s, Z_FINISH);
  out.resize(s.total_out);
  deflateEnd(&s);
  return out;
}

auto decompressing(skillsync::ByteReader& raw) {
  return std::make_unique<skillsync::decompress::DecompressingReader>(raw);
}

// The six-column file with non-ASCII text in windows-1252: names with
// accents, the euro sign and typographic quotes (about 3% of bytes).
std::string make_windows_1252_input() {
  std::string out = make_input(false);
  const char kHigh[] = {'\xe9', '\x80', '\x93', '\x94', '\xfc', '\xe5'};
  size_t k = 0;
  for (size_t i = 7; i < out.size(); i += 37) {
    if (out[i] != ',' && out[i] != '\n') out[i] = kHigh[k++ % 6];
  }
  return out;
}

auto windows_1252(skillsync::ByteReader& raw) {
  return std::make_unique<csv::EncodingReader>(raw, csv::Encoding::kWindows1252);
}

const std::string& plain_input() {
  static const std::string input = make_input(false);
  return input;
}

void BM_SixColumnsUnquoted(benchmark::State& state) { run(state, plain_input()); }
BENCHMARK(BM_SixColumnsUnquoted)->Unit(benchmark::kMillisecond);

void BM_SixColumnsQuoted(benchmark::State& state) {
  static const std::string input = make_input(true);
  run(state, input);
}
BENCHMARK(BM_SixColumnsQuoted)->Unit(benchmark::kMillisecond);

void BM_GzipSixColumns(benchmark::State& state) {
  static const std::string packed = gzip(plain_input());
  state.counters["ratio"] = static_cast<double>(plain_input().size()) / packed.size();
  run_through(state, packed, plain_input().size(), decompressing);
}
BENCHMARK(BM_GzipSixColumns)->Unit(benchmark::kMillisecond);

void BM_GzipDecompressOnly(benchmark::State& state) {
  static const std::string packed = gzip(plain_input());
  drain(state, packed, plain_input().size(), decompressing);
}
BENCHMARK(BM_GzipDecompressOnly)->Unit(benchmark::kMillisecond);

void BM_PassThroughSixColumns(benchmark::State& state) {
  // Uncompressed input through the DecompressingReader: the cost of always
  // putting it in the pipeline.
  run_through(state, plain_input(), plain_input().size(), decompressing);
}
BENCHMARK(BM_PassThroughSixColumns)->Unit(benchmark::kMillisecond);

void BM_Windows1252SixColumns(benchmark::State& state) {
  static const std::string input = make_windows_1252_input();
  run_through(state, input, input.size(), windows_1252);
}
BENCHMARK(BM_Windows1252SixColumns)->Unit(benchmark::kMillisecond);

void BM_Windows1252ConvertOnly(benchmark::State& state) {
  static const std::string input = make_windows_1252_input();
  drain(state, input, input.size(), windows_1252);
}
BENCHMARK(BM_Windows1252ConvertOnly)->Unit(benchmark::kMillisecond);

void BM_Latin1ConvertOnlyAllHighBytes(benchmark::State& state) {
  // The worst case: every byte becomes two.
  static const std::string input(64u << 20, '\xe9');
  drain(state, input, input.size(), [](skillsync::ByteReader& raw) {
    return std::make_unique<csv::EncodingReader>(raw, csv::Encoding::kLatin1);
  });
}
BENCHMARK(BM_Latin1ConvertOnlyAllHighBytes)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
