#include "tasks/batch_stager.hpp"

namespace skillsync::tasks {

BatchStager::BatchStager(store::TaskWriter& writer) : writer_(writer) {
  free_ = {&batches_[0], &batches_[1]};
  thread_ = std::thread([this] { loop(); });
}

BatchStager::~BatchStager() { (void)close(); }

Batch* BatchStager::acquire() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return !free_.empty() || !status_.ok(); });
  if (!status_.ok()) return nullptr;
  Batch* b = free_.back();
  free_.pop_back();
  b->clear();
  return b;
}

void BatchStager::submit(Batch* batch) {
  {
    std::lock_guard lock(mu_);
    full_.push_back(batch);
  }
  cv_.notify_all();
}

Status BatchStager::close() {
  {
    std::unique_lock lock(mu_);
    closing_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mu_);
  return status_;
}

void BatchStager::loop() {
  for (;;) {
    Batch* batch = nullptr;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return !full_.empty() || closing_; });
      if (full_.empty()) return;  // closing and drained
      batch = full_.front();
      full_.pop_front();
      if (!status_.ok()) {  // a previous write failed: drop the rest
        free_.push_back(batch);
        continue;
      }
    }
    Status s = writer_.stage(std::span(batch->events.data(), batch->count), batch->errors,
                             batch->checkpoint);
    {
      std::lock_guard lock(mu_);
      if (!s.ok() && status_.ok()) status_ = s;
      free_.push_back(batch);
    }
    cv_.notify_all();
  }
}

}  // namespace skillsync::tasks
