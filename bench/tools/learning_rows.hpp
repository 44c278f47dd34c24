// The rows of the benchmarks' learning CSV, written once for the file
// generator (gen_learning.cpp, bench/run.sh's data) and the mapping micro
// benchmark (bench/map_bench.cpp), so both see the same rows.
//
// Rows come from put_learning_row into any `Out` with put(std::string_view),
// put(char), put_uint(uint64_t) and put_padded(unsigned value, int width)
// (zero-padded). The same seed always gives the same bytes: SplitMix64 is
// the generator's own PRNG, not <random>'s distributions, whose output the
// standard leaves to the implementation.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace skillsync::bench {

inline constexpr std::string_view kLearningHeader =
    "employee_external_id,language,external_id,timestamp,course_id,source\n";

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

struct Civil {
  int year;
  unsigned month;
  unsigned day;
};

// Howard Hinnant's civil_from_days: days since 1970-01-01 -> y/m/d.
inline Civil civil_from_days(int64_t z) {
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

template <class Out>
void put_timestamp(Out& w, SplitMix64& rng) {
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

template <class Out>
void put_language(Out& w, SplitMix64& rng) {
  const uint64_t r = rng.below(100);
  w.put(r < 50 ? "en" : r < 65 ? "nl" : r < 80 ? "fr" : r < 95 ? "de" : "auto");
}

// One data row (with its newline): employee "emp-<n>" of `employees`, a
// unique external id "lrn-<row>-<random>", a language, a timestamp, a
// course and a source.
template <class Out>
void put_learning_row(Out& w, SplitMix64& rng, uint64_t row, uint64_t employees) {
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
}

}  // namespace skillsync::bench
