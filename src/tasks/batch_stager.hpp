// BatchStager: overlaps parsing with writing. The pipeline thread fills one
// batch while a stager thread writes the previous one to the store, with
// two batches in rotation.
//
// Memory is bounded by bytes, not only by rows: a batch is full at
// `max_rows` rows OR at `max_bytes` bytes of row data, whichever comes
// first, so 20,000 rows of 5 KB do not make a 100 MB batch. Event slots are
// reused from batch to batch (their strings keep their capacity, so steady
// loads allocate nothing per row), but a recycled batch never keeps more
// than 2 x max_bytes of string capacity: slots that an earlier batch of a
// few huge rows inflated are released (see Batch::recycle). A batch thus
// holds at most about 3 x max_bytes (+ one row) while it is being filled,
// and the stager at most twice that, plus max_rows x sizeof(Event) per
// batch for the slots themselves.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "schema/schema.hpp"
#include "store/store.hpp"

namespace skillsync::tasks {

// One batch of rows: the good rows (events[0, count)), the rejected rows and
// the checkpoint staged with them. Used by one thread at a time (the
// pipeline while it fills it, then the stager thread while it writes it).
class Batch {
 public:
  // REQUIRES: max_rows >= 1 and max_bytes >= 1.
  Batch(size_t max_rows, size_t max_bytes) : max_rows_(max_rows), max_bytes_(max_bytes) {}

  std::vector<schema::Event> events;  // slots reused across batches
  size_t count = 0;                   // events[0, count) are this batch's rows
  std::vector<store::RowError> errors;
  store::Checkpoint checkpoint;  // where the file stands after this batch

  // Returns the next free slot (events[count]); its strings keep their
  // capacity. The caller fills it and then increments `count` to keep it,
  // or leaves `count` alone to reuse the slot for the next row.
  schema::Event& next_slot() {
    if (count == events.size()) events.emplace_back();
    return events[count];
  }
  size_t rows() const { return count + errors.size(); }

  // The bytes of row data the batch holds: for each event in [0, count),
  // sizeof(Event) plus the sizes of its strings; for each row error,
  // sizeof(RowError) plus the sizes of its strings (raw text, message, ...).
  // Incremental: only rows added since the last call are measured, so
  // calling it after every row costs O(1) per row and allocates nothing.
  // Lowering `count` (a batch emptied of its rows) is allowed; the total is
  // then measured again.
  size_t bytes() const;
  // True when the batch should be handed over: rows() >= max_rows or
  // bytes() >= max_bytes.
  bool full() const { return rows() >= max_rows_ || bytes() >= max_bytes_; }

  // Empties the batch for the next rows (count 0, no errors); slots keep
  // their capacity.
  void clear();
  // clear(), and first releases slot capacity until retained_bytes() <=
  // 2 x max_bytes: the slots past `count` (the last rows did not need
  // them), then strings far larger than what they hold (capacity > 2 x size
  // + 256, left by an earlier, larger row), then any strings, each time
  // from the last slot backwards. A steady load (rows of similar size) stays
  // under the bound and keeps every slot, so it allocates nothing per row.
  // Walks every slot: call it once per batch, not per row.
  void recycle();
  // The heap capacity of the strings of every slot (events[0, size())),
  // which a reused batch keeps alive. Walks every slot.
  size_t retained_bytes() const;

  size_t max_rows() const { return max_rows_; }
  size_t max_bytes() const { return max_bytes_; }

 private:
  size_t max_rows_;
  size_t max_bytes_;
  // bytes() cache: the rows [0, counted_events_) and [0, counted_errors_)
  // are in bytes_.
  mutable size_t counted_events_ = 0;
  mutable size_t counted_errors_ = 0;
  mutable size_t bytes_ = 0;
};

class BatchStager {
 public:
  // Batches of at most PipelineConfig{}.batch_rows rows and
  // PipelineConfig{}.batch_bytes bytes.
  explicit BatchStager(store::TaskWriter& writer);
  // Batches full at `max_rows` rows or `max_bytes` bytes (Batch::full).
  // REQUIRES: max_rows >= 1 and max_bytes >= 1.
  BatchStager(store::TaskWriter& writer, size_t max_rows, size_t max_bytes);
  ~BatchStager();
  BatchStager(const BatchStager&) = delete;
  BatchStager& operator=(const BatchStager&) = delete;

  // An empty batch to fill; waits while both are in flight. nullptr once a
  // write has failed (see close()).
  Batch* acquire();
  // Hands a filled batch to the stager thread, which writes it and then
  // recycles it (Batch::recycle), off the pipeline's thread.
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
