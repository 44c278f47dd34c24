// Throughput of the CSV row -> validated Event step of a File Load Task
// (rows/s on one core): schema::RowMapper::map over records that the CSV
// reader has already tokenized, into the reused Event slots of a
// tasks::Batch, as LoadRun::take_row does (batch.next_slot(), map, count,
// batch.full(); recycle() after each full batch).
//
// Two entities: `learning` (the bench/run.sh file's shape: quoted sources
// with commas and doubled quotes, empty sources, timestamps as Z, offsets,
// fractions and bare dates) and `certificate` (12 columns: every top-level
// column including event_type, six content fields of text, dates with a
// date range, a URL; non-ASCII and quoted text, empty optional fields).
// Every row is valid, so each one becomes an event. Issue #14's target is
// >= 2,000,000 rows/s for each.
//
//   build/release/bench/map_bench --benchmark_min_time=2
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "csv/csv.hpp"
#include "schema/schema.hpp"
#include "tasks/batch_stager.hpp"
#include "tasks/tasks.hpp"
#include "tools/learning_rows.hpp"

namespace {

using skillsync::ByteReader;
using skillsync::Result;
namespace csv = skillsync::csv;
namespace schema = skillsync::schema;

// Distinct rows per entity, mapped over and over: their fields and views
// take roughly 7 MB (learning) and 18 MB (certificate), in the L3 cache as the
// reader's buffer is.
constexpr size_t kRows = 50000;

using skillsync::bench::SplitMix64;

// A string that the row generators of tools/learning_rows.hpp write into.
struct StringOut {
  std::string& s;
  void put(std::string_view v) { s += v; }
  void put(char c) { s += c; }
  void put_uint(uint64_t v) { s += std::to_string(v); }
  void put_padded(unsigned v, int width) {  // the last `width` digits of v
    s.append(static_cast<size_t>(width), '0');
    for (size_t i = s.size(); v != 0 && i > s.size() - static_cast<size_t>(width); v /= 10) {
      s[--i] = static_cast<char>('0' + v % 10);
    }
  }
};

// A day of `years` years from `first_year` as YYYY-MM-DD (day of month up to
// 28: always real).
void put_date(StringOut& out, SplitMix64& rng, unsigned first_year, unsigned years) {
  out.put_padded(first_year + static_cast<unsigned>(rng.below(years)), 4);
  out.put('-');
  out.put_padded(1 + static_cast<unsigned>(rng.below(12)), 2);
  out.put('-');
  out.put_padded(1 + static_cast<unsigned>(rng.below(28)), 2);
}

// The first kRows rows of bench/tools/gen_learning.cpp's file (seed 42,
// 10,000 employees).
std::string learning_csv() {
  SplitMix64 rng(42);
  std::string text(skillsync::bench::kLearningHeader);
  StringOut out{text};
  for (size_t row = 1; row <= kRows; ++row) {
    skillsync::bench::put_learning_row(out, rng, row, 10000);
  }
  return text;
}

struct Cert {
  const char* name;  // as written in the file (quoted where it must be)
  const char* issuer;
};
constexpr std::array<Cert, 8> kCerts = {{
    {"AWS Certified Solutions Architect - Associate", "Amazon Web Services"},
    {"\"Certified Kubernetes Administrator (CKA)\"", "The Linux Foundation"},
    {"Professional Scrum Master I", "Scrum.org"},
    {"\"PMP, Project Management Professional\"", "\"Project Management Institute, Inc.\""},
    {"Zertifizierter Datenschutzbeauftragter (TÜV)", "TÜV Süd"},
    {"Certificat de compétence en sécurité", "ANSSI"},
    {"\"The \"\"Advanced\"\" SQL course\"", "internal-academy"},
    {"Microsoft Certified: Azure Data Engineer Associate", "Microsoft"},
}};

// 12 columns: all six top-level ones, in a user's order, and every content
// field; certificate_id or expiry_date or the URL are often empty.
std::string certificate_csv() {
  SplitMix64 rng(7);
  std::string out =
      "employee_external_id,external_id,event_type,language,timestamp,certificate_id,"
      "certificate_name,issuer,issue_date,expiry_date,credential_url,source\n";
  StringOut w{out};
  for (size_t row = 1; row <= kRows; ++row) {
    const Cert& c = kCerts[rng.below(kCerts.size())];
    out += "employee-" + std::to_string(1 + rng.below(50000)) + ',';
    out += "cert-" + std::to_string(row) + ",certificate,";
    skillsync::bench::put_language(w, rng);
    out += ',';
    skillsync::bench::put_timestamp(w, rng);
    out += ',';
    if (rng.below(3) != 0) out += "CERT-" + std::to_string(rng.below(100000));
    out += ',';
    out += c.name;
    out += ',';
    out += c.issuer;
    out += ',';
    const unsigned year = 2015 + static_cast<unsigned>(rng.below(8));
    put_date(w, rng, year, 1);
    out += ',';
    if (rng.below(4) != 0) put_date(w, rng, year + 1, 4);  // after the issue year
    out += ',';
    if (rng.below(2) != 0) {
      out += "https://certs.example.com/verify/" + std::to_string(rng.below(1u << 30)) + "?lang=en";
    }
    out += ',';
    out += rng.below(5) == 0 ? "" : "hr-import";
    out += '\n';
  }
  return out;
}

class MemoryReader : public ByteReader {
 public:
  explicit MemoryReader(const std::string& data) : data_(data) {}
  Result<size_t> read(std::span<char> buf) override {
    const size_t n = std::min(buf.size(), data_.size() - pos_);
    std::memcpy(buf.data(), data_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  const std::string& data_;
  size_t pos_ = 0;
};

// A file tokenized once by csv::RecordReader: the header and every record's
// fields (unquoted, as map() gets them), packed one after another in one
// buffer, as they stand in the reader's buffer when the load maps them.
struct Tokenized {
  std::vector<std::string> header;
  std::string arena;
  std::vector<std::string_view> views;  // row-major, header.size() per row
  size_t rows = 0;
};

Tokenized tokenize(const std::string& text) {
  Tokenized t;
  MemoryReader raw(text);
  csv::RecordReader reader(raw);
  std::vector<std::pair<size_t, size_t>> spans;  // (offset, size) in arena
  for (bool first = true;; first = false) {
    auto item = reader.next();
    if (!item.ok() || *item == csv::RecordReader::Item::kEnd) break;
    if (*item != csv::RecordReader::Item::kRecord) std::abort();  // the generators write valid CSV
    for (std::string_view f : reader.record().fields) {
      if (first) {
        t.header.emplace_back(f);
      } else {
        spans.emplace_back(t.arena.size(), f.size());
        t.arena.append(f);
      }
    }
    if (!first) ++t.rows;
  }
  for (const auto& [offset, size] : spans) t.views.emplace_back(t.arena.data() + offset, size);
  return t;
}

void run(benchmark::State& state, const std::string& entity_type, const std::string& text) {
  const Tokenized t = tokenize(text);
  const std::vector<std::string_view> header(t.header.begin(), t.header.end());
  auto binding = schema::HeaderBinding::bind(*schema::find_entity(entity_type), header);
  if (!binding.ok()) {
    state.SkipWithError(binding.error().message.c_str());
    return;
  }
  const size_t cols = header.size();
  schema::RowMapper mapper(*binding);
  schema::FieldError error;
  const skillsync::tasks::PipelineConfig config;
  skillsync::tasks::Batch batch(config.batch_rows, config.batch_bytes);
  size_t rows = 0, rejected = 0;
  for (auto _ : state) {
    for (size_t r = 0; r < t.rows; ++r) {
      schema::Event& event = batch.next_slot();
      const std::span<const std::string_view> fields(t.views.data() + r * cols, cols);
      if (mapper.map(fields, event, error)) {
        ++batch.count;
      } else {
        ++rejected;
      }
      if (batch.full()) batch.recycle();
    }
    rows += t.rows;
  }
  if (rejected != 0) state.SkipWithError(("a row was rejected: " + error.message).c_str());
  state.SetItemsProcessed(static_cast<int64_t>(rows));
  state.counters["rows/s"] =
      benchmark::Counter(static_cast<double>(rows), benchmark::Counter::kIsRate);
}

void BM_MapLearning(benchmark::State& state) {
  static const std::string text = learning_csv();
  run(state, "learning", text);
}
BENCHMARK(BM_MapLearning)->Unit(benchmark::kMillisecond);

void BM_MapCertificate(benchmark::State& state) {
  static const std::string text = certificate_csv();
  run(state, "certificate", text);
}
BENCHMARK(BM_MapCertificate)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
