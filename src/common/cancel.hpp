// CancellationToken: a flag a long operation polls between units of work,
// and that blocking I/O (the S3 download) polls while it waits.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

namespace skillsync {

// Set once, never reset. Thread safe: one thread may cancel() while others
// poll cancelled(). cancel() releases and cancelled() acquires, so what the
// cancelling thread wrote before cancel() (say, why it cancelled) is visible
// to a thread that saw cancelled() return true.
class CancellationToken {
 public:
  CancellationToken() = default;
  // A token that also reads as cancelled once `parent` is (a task's
  // interruption follows the worker's shutdown), while cancelling this one
  // leaves the parent alone.
  // REQUIRES: parent outlives this token.
  explicit CancellationToken(const CancellationToken* parent) : parent_(parent) {}
  CancellationToken(const CancellationToken&) = delete;
  CancellationToken& operator=(const CancellationToken&) = delete;

  void cancel() { flag_.store(true, std::memory_order_release); }
  bool cancelled() const {
    return flag_.load(std::memory_order_acquire) || (parent_ != nullptr && parent_->cancelled());
  }

 private:
  std::atomic<bool> flag_{false};
  const CancellationToken* parent_ = nullptr;
};

// Sleeps for `duration`, waking every `slice` to look at `token` (nullptr:
// a plain sleep). Returns false when the token was cancelled (before or
// during the sleep), true when the whole duration passed.
inline bool sleep_unless_cancelled(
    std::chrono::milliseconds duration, const CancellationToken* token,
    std::chrono::milliseconds slice = std::chrono::milliseconds(50)) {
  using SteadyClock = std::chrono::steady_clock;
  if (token == nullptr) {
    std::this_thread::sleep_for(duration);
    return true;
  }
  const auto until = SteadyClock::now() + duration;
  for (;;) {
    if (token->cancelled()) return false;
    const auto now = SteadyClock::now();
    if (now >= until) return true;
    std::this_thread::sleep_for(std::min<SteadyClock::duration>(
        until - now, std::chrono::duration_cast<SteadyClock::duration>(slice)));
  }
}

}  // namespace skillsync
