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
// PRNG (SplitMix64, learning_rows.hpp, whose rows map_bench maps too).
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include "learning_rows.hpp"

namespace {

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
  skillsync::bench::SplitMix64 rng(seed);
  Writer w(f);
  w.put(skillsync::bench::kLearningHeader);
  for (uint64_t row = 1; row <= rows; ++row) {
    skillsync::bench::put_learning_row(w, rng, row, employees);
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
