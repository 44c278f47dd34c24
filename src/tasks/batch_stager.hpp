// BatchStager: overlaps parsing with writing. The pipeline thread fills one
// batch while a stager thread writes the previous one to the store, with
// two batches in rotation so memory stays bounded by 2 x batch size.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "schema/schema.hpp"
#include "store/store.hpp"

namespace skillsync::tasks {

struct Batch {
  std::vector<schema::Event> events;  // slots reused across batches
  size_t count = 0;                   // events[0, count) are this batch's rows
  std::vector<store::RowError> errors;
  store::Checkpoint checkpoint;  // where the file stands after this batch

  // Returns the next free slot; its strings keep their capacity.
  schema::Event& next_slot() {
    if (count == events.size()) events.emplace_back();
    return events[count];
  }
  size_t rows() const { return count + errors.size(); }
  void clear() {
    count = 0;
    errors.clear();
  }
};

class BatchStager {
 public:
  explicit BatchStager(store::TaskWriter& writer);
  ~BatchStager();
  BatchStager(const BatchStager&) = delete;
  BatchStager& operator=(const BatchStager&) = delete;

  // An empty batch to fill; waits while both are in flight. nullptr once a
  // write has failed (see close()).
  Batch* acquire();
  // Hands a filled batch to the stager thread.
  void submit(Batch* batch);
  // Waits until every submitted batch is written; returns the first error.
  Status close();

 private:
  void loop();

  store::TaskWriter& writer_;
  Batch batches_[2];
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Batch*> free_;
  std::deque<Batch*> full_;
  bool closing_ = false;
  Status status_;
  std::thread thread_;
};

}  // namespace skillsync::tasks
