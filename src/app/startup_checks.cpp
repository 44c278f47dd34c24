// Start-up checks: see startup_checks.hpp.
#include "app/startup_checks.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <bitset>
#include <string>

namespace skillsync::app {

Status check_bootstrap_key(std::string_view key) {
  std::bitset<256> seen;
  for (char c : key) seen.set(static_cast<unsigned char>(c));
  if (key.size() < kMinBootstrapKeyLength || seen.count() < kMinDistinctChars) {
    return Error{"weak_bootstrap_key",
                 "SKILLSYNC_BOOTSTRAP_API_KEY is too easy to guess: use at least " +
                     std::to_string(kMinBootstrapKeyLength) + " characters with at least " +
                     std::to_string(kMinDistinctChars) +
                     " different ones (e.g. `openssl rand -hex 24`), or leave it unset to have "
                     "one generated"};
  }
  return ok_status();
}

size_t file_reserve(int workers) { return 64 + 8 * static_cast<size_t>(std::max(workers, 0)); }

size_t connection_cap(size_t requested, size_t file_limit, int workers) {
  const size_t reserve = file_reserve(workers);
  const size_t fits = file_limit > reserve ? file_limit - reserve : 1;
  return std::max<size_t>(1, std::min(requested, fits));
}

size_t raise_file_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return 1024;
  if (lim.rlim_cur < lim.rlim_max) {
    rlimit raised = lim;
    raised.rlim_cur = lim.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) lim = raised;
  }
  if (lim.rlim_cur == RLIM_INFINITY) return SIZE_MAX;
  return static_cast<size_t>(lim.rlim_cur);
}

}  // namespace skillsync::app
