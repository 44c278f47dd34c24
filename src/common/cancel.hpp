// CancellationToken: a flag a long operation polls between units of work.
#pragma once

#include <atomic>
#include <memory>

namespace skillsync {

class CancellationToken {
 public:
  void cancel() { flag_.store(true, std::memory_order_relaxed); }
  bool cancelled() const { return flag_.load(std::memory_order_relaxed); }

 private:
  std::atomic<bool> flag_{false};
};

}  // namespace skillsync
