#include "tasks/batch_stager.hpp"

#include <algorithm>
#include <string>

#include "tasks/tasks.hpp"

namespace skillsync::tasks {
namespace {

// A string whose capacity exceeds twice its size by more than this much was
// sized for an earlier, larger row (growth alone stays within 2 x size).
constexpr size_t kSlackBytes = 256;

size_t event_bytes(const schema::Event& e) {
  return sizeof(schema::Event) + e.employee_external_id.size() + e.external_id.size() +
         e.event_type.size() + e.language.size() + e.content_json.size() +
         (e.source ? e.source->size() : 0);
}

size_t error_bytes(const store::RowError& e) {
  return sizeof(store::RowError) + e.column.size() + e.code.size() + e.message.size() +
         e.raw.size() + e.file.size();
}

// The heap memory a string keeps: none while its text fits in the string
// object itself (the small-string buffer of an empty string).
size_t heap_capacity(const std::string& s) {
  static const size_t kInline = std::string().capacity();
  return s.capacity() > kInline ? s.capacity() : 0;
}

// Calls f on every string of a slot (Event or const Event).
template <typename E, typename F>
void for_each_string(E& e, F&& f) {
  f(e.employee_external_id);
  f(e.external_id);
  f(e.event_type);
  f(e.language);
  f(e.content_json);
  if (e.source) f(*e.source);
}

size_t slot_capacity(const schema::Event& e) {
  size_t total = 0;
  for_each_string(e, [&](const std::string& s) { total += heap_capacity(s); });
  return total;
}

// Frees the strings of `e` that `should_release` selects, subtracting their
// capacity from `retained`.
template <typename P>
void release_strings(schema::Event& e, size_t& retained, P&& should_release) {
  for_each_string(e, [&](std::string& s) {
    if (!should_release(s)) return;
    retained -= heap_capacity(s);
    std::string().swap(s);
  });
}

}  // namespace

size_t Batch::bytes() const {
  if (count < counted_events_ || errors.size() < counted_errors_) {
    // Rows were dropped (count lowered): measure again from the start.
    counted_events_ = counted_errors_ = bytes_ = 0;
  }
  for (; counted_events_ < count; ++counted_events_) bytes_ += event_bytes(events[counted_events_]);
  for (; counted_errors_ < errors.size(); ++counted_errors_) {
    bytes_ += error_bytes(errors[counted_errors_]);
  }
  return bytes_;
}

void Batch::clear() {
  count = 0;
  errors.clear();
  counted_events_ = counted_errors_ = bytes_ = 0;
}

size_t Batch::retained_bytes() const {
  size_t total = 0;
  for (const schema::Event& e : events) total += slot_capacity(e);
  return total;
}

void Batch::recycle() {
  const size_t budget = 2 * max_bytes_;
  size_t retained = retained_bytes();
  if (retained > budget) {
    const size_t used = std::min(count, events.size());
    // 1. Slots the last batch did not need.
    while (events.size() > used && retained > budget) {
      retained -= slot_capacity(events.back());
      events.pop_back();
    }
    // 2. Strings sized for an earlier, larger row.
    for (size_t i = used; i-- > 0 && retained > budget;) {
      release_strings(events[i], retained, [](const std::string& s) {
        return s.capacity() > 2 * s.size() + kSlackBytes;
      });
    }
    // 3. Whatever is left over the budget.
    for (size_t i = used; i-- > 0 && retained > budget;) {
      release_strings(events[i], retained, [](const std::string&) { return true; });
    }
  }
  clear();
}

BatchStager::BatchStager(store::TaskWriter& writer)
    : BatchStager(writer, PipelineConfig{}.batch_rows, PipelineConfig{}.batch_bytes) {}

BatchStager::BatchStager(store::TaskWriter& writer, size_t max_rows, size_t max_bytes)
    : writer_(writer), batches_{Batch(max_rows, max_bytes), Batch(max_rows, max_bytes)} {
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
    // Here, not in acquire(): the walk over the slots runs on this thread,
    // and the memory is returned before the pipeline asks for the batch.
    batch->recycle();
    {
      std::lock_guard lock(mu_);
      if (!s.ok() && status_.ok()) status_ = s;
      free_.push_back(batch);
    }
    cv_.notify_all();
  }
}

}  // namespace skillsync::tasks
