// bench_gen_learning: writes a deterministic, realistic learning CSV for the
// end-to-end benchmark (bench/run.sh).
//
// Usage: bench_gen_learning OUT_PATH [ROWS=1000000] [SEED=42] [EMPLOYEES=10000]
//
// The file has the header
//   employee_external_id,language,external_id,timestamp,course_id,source
// and ROWS data rows that all pass skillsync's validation, so a load of it must
// report rows_loaded == ROWS:
//   - employees "emp-<n>" drawn uniformly from EMPLOYEES ids;
//   - external ids "lrn-<row>-<random>": unique per row, so every
//     (employee_external_id, external_id) key is unique;
//   - languages weighted towards en, from the accepted set auto/nl/fr/en/de;
//   - timestamps spread over 2018..2024 in several ISO 8601 forms (Z, an
//     offset, fractional seconds, a bare date);
//   - sources empty, plain, or quoted with commas and doubled quotes.
// The same arguments always give the same bytes: the generator uses its own
// PRNG (SplitMix64) rather than <random>'s distributions, whose output the
// standard leaves to the implementation.
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

namespace {

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform enough in [0, n) for a benchmark: the modulo bias of a 64-bit
  // draw over n <= 2^32 is below 2^-32.
  uint64_t below(uint64_t n) { return next() % n; }

 private:
  uint64_t state_;
};

// Appends into a fixed buffer that is flushed to the file when nearly full,
// so no row allocates.
class Writer {
 public:
  explicit Writer(FILE* f) : f_(f), buf_(kSize) {}
  bool ok() const { return ok_; }
  void put(std::string_view s) {
    std::memcpy(buf_.data() + len_, s.data(), s.size());
    len_ += s.size();
  }
  void put(char c) { buf_[len_++] = c; }
  void put_uint(uint64_t v) {
    auto r = std::to_chars(buf_.data() + len_, buf_.data() + buf_.size(), v);
    len_ = static_cast<size_t>(r.ptr - buf_.data());
  }
  // Zero-padded to `width` digits.
  void put_padded(unsigned v, int width) {
    for (int i = width - 1; i >= 0; --i) {
      buf_[len_ + static_cast<size_t>(i)] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
    len_ += static_cast<size_t>(width);
  }
  // Called after each row; a row is far below kSlack bytes.
  void maybe_flush() {
    if (len_ > kSize - kSlack) flush();
  }
  void flush() {
    if (len_ > 0 && std::fwrite(buf_.data(), 1, len_, f_) != len_) ok_ = false;
    len_ = 0;
  }

 private:
  static constexpr size_t kSize = 1 << 20;
  static constexpr size_t kSlack = 4096;
  FILE* f_;
  std::vector<char> buf_;
  size_t len_ = 0;
  bool ok_ = true;
};

struct Civil {
  int year;
  unsigned month;
  unsigned day;
};

// Howard Hinnant's civil_from_days: days since 1970-01-01 -> y/m/d.
Civil civil_from_days(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0);
  return {static_cast<int>(y), m, d};
}

constexpr int64_t kFirstDay = 17532;  // 2018-01-01
constexpr int64_t kDaySpan = 2557;    // through 2024-12-31

void put_timestamp(Writer& w, SplitMix64& rng) {
  const Civil c = civil_from_days(kFirstDay + static_cast<int64_t>(rng.below(kDaySpan)));
  w.put_padded(static_cast<unsigned>(c.year), 4);
  w.put('-');
  w.put_padded(c.month, 2);
  w.put('-');
  w.put_padded(c.day, 2);
  const uint64_t form = rng.below(100);
  if (form < 5) return;  // a bare date: midnight UTC
  const auto secs = static_cast<unsigned>(rng.below(86400));
  w.put('T');
  w.put_padded(secs / 3600, 2);
  w.put(':');
  w.put_padded(secs / 60 % 60, 2);
  w.put(':');
  w.put_padded(secs % 60, 2);
  if (form < 15) {  // fractional seconds
    w.put('.');
    w.put_padded(static_cast<unsigned>(rng.below(1000)), 3);
    w.put('Z');
  } else if (form < 30) {  // a zone offset
    static constexpr std::array<std::string_view, 4> kOffsets = {"+01:00", "+02:00", "-05:00",
                                                                 "+05:30"};
    w.put(kOffsets[rng.below(kOffsets.size())]);
  } else {
    w.put('Z');
  }
}

// Sources as they appear in the file (already CSV-quoted where needed).
// About one row in ten carries a quoted field with a comma.
constexpr std::array<std::string_view, 10> kSources = {
    "",
    "",
    "workday-learning",
    "cornerstone",
    "udemy-business",
    "\"LinkedIn Learning, Inc.\"",
    "internal-academy",
    "sap-successfactors",
    "degreed",
    "coursera",
};
constexpr std::string_view kQuotedRare = "\"The \"\"Academy\"\", Brussels, BE\"";

void put_language(Writer& w, SplitMix64& rng) {
  const uint64_t r = rng.below(100);
  w.put(r < 50 ? "en" : r < 65 ? "nl" : r < 80 ? "fr" : r < 95 ? "de" : "auto");
}

bool parse_arg(const char* s, uint64_t* out) {
  const std::string_view v(s);
  auto r = std::from_chars(v.data(), v.data() + v.size(), *out);
  return r.ec == std::errc() && r.ptr == v.data() + v.size();
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t rows = 1000000, seed = 42, employees = 10000;
  if (argc < 2 || argc > 5 || (argc > 2 && !parse_arg(argv[2], &rows)) ||
      (argc > 3 && !parse_arg(argv[3], &seed)) || (argc > 4 && !parse_arg(argv[4], &employees)) ||
      employees == 0) {
    std::fprintf(stderr, "usage: %s OUT_PATH [ROWS=1000000] [SEED=42] [EMPLOYEES=10000]\n",
                 argv[0]);
    return 2;
  }
  FILE* f = std::fopen(argv[1], "wb");
  if (f == nullptr) {
    std::fprintf(stderr, "cannot open %s: %s\n", argv[1], std::strerror(errno));
    return 1;
  }
  SplitMix64 rng(seed);
  Writer w(f);
  w.put("employee_external_id,language,external_id,timestamp,course_id,source\n");
  for (uint64_t row = 1; row <= rows; ++row) {
    w.put("emp-");
    w.put_uint(1 + rng.below(employees));
    w.put(',');
    put_language(w, rng);
    w.put(",lrn-");
    w.put_uint(row);
    w.put('-');
    w.put_uint(rng.below(1000000));
    w.put(',');
    put_timestamp(w, rng);
    w.put(",course-");
    w.put_uint(1 + rng.below(5000));
    w.put(',');
    if (rng.below(1000) == 0) {
      w.put(kQuotedRare);
    } else {
      w.put(kSources[rng.below(kSources.size())]);
    }
    w.put('\n');
    w.maybe_flush();
  }
  w.flush();
  const bool closed = std::fclose(f) == 0;
  if (!w.ok() || !closed) {
    std::fprintf(stderr, "cannot write %s\n", argv[1]);
    return 1;
  }
  return 0;
}
