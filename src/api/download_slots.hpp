// DownloadSlots: at most `per_key` downloads of one kind (the CSV error
// report) at once per API key. acquire() hands out a slot, held until the
// returned token is destroyed (with the streamed response, so a slow reader
// holds it for as long as it reads); null when the key has none left (the
// API answers 429). Thread-safe; the table holds only keys with a download
// under way.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace skillsync::api {

class DownloadSlots : public std::enable_shared_from_this<DownloadSlots> {
 public:
  explicit DownloadSlots(size_t per_key) : per_key_(per_key) {}

  // REQUIRES: this object is owned by a std::shared_ptr (tokens keep it alive).
  std::shared_ptr<void> acquire(const std::string& key_id) {
    std::lock_guard lock(mu_);
    size_t& n = in_use_[key_id];
    if (n >= per_key_) return nullptr;
    ++n;
    return std::make_shared<Slot>(shared_from_this(), key_id);
  }

  size_t in_use(const std::string& key_id) const {
    std::lock_guard lock(mu_);
    auto it = in_use_.find(key_id);
    return it == in_use_.end() ? 0 : it->second;
  }

 private:
  struct Slot {
    Slot(std::shared_ptr<DownloadSlots> o, std::string k)
        : owner(std::move(o)), key(std::move(k)) {}
    ~Slot() { owner->release(key); }
    std::shared_ptr<DownloadSlots> owner;
    std::string key;
  };

  void release(const std::string& key_id) {
    std::lock_guard lock(mu_);
    auto it = in_use_.find(key_id);
    if (it != in_use_.end() && --it->second == 0) in_use_.erase(it);
  }

  const size_t per_key_;
  mutable std::mutex mu_;
  std::map<std::string, size_t> in_use_;
};

}  // namespace skillsync::api
