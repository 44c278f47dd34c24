// store/runs: reading runs back and merging them in key order (the layout is
// run_format.hpp's).
//
// Merger yields, for every distinct key of the runs, in key order, the row
// of the LATEST run holding that key (runs are batches in file order, and a
// run keeps only its own last row of a key): so the last row of the file
// wins. Rows of earlier runs with the same key are counted as superseded().
//
// Memory: one allocation of runs x clamp(budget / runs, kMinRunBuffer,
// kMaxRunBuffer) bytes, a slice per run (a run whose record is longer than
// its slice reads it through a buffer of its own). With the SQLite
// store's 4 MiB budget, a 1M-row load (~50 runs of 20,000 rows) reads
// through 80 KiB buffers and a 10M-row one (~500 runs) through 8 KiB ones,
// both 4 MiB in all, up to 1,024 runs (~20M rows); past that each run adds
// 4 KiB.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "store/runs/run_format.hpp"

namespace skillsync::store::runs {

inline constexpr size_t kMinRunBuffer = 4 << 10;
inline constexpr size_t kMaxRunBuffer = 1 << 20;

// Reads one run's records in order, checking the record layout, the key
// order, the row count and the body CRC (at the end of the run).
class RunReader {
 public:
  // REQUIRES: `buffer` (not empty) outlives the reader.
  RunReader(ByteSource& src, const RunInfo& run, std::span<char> buffer);
  // Moves to the next record: false at the end of the run (once it is
  // checked), an Error when the bytes are not a sound run.
  Result<bool> next();
  // The current record; valid until the next call of next().
  const EventView& row() const { return row_; }

 private:
  // Makes at least `need` bytes available at pos_ (fails if the run has
  // fewer left).
  Status fill(size_t need);

  ByteSource& src_;
  RunInfo run_;
  uint64_t next_offset_;   // file offset of the next byte to read
  uint64_t end_offset_;    // file offset just past the run
  std::span<char> buf_;    // the slice given, or own_
  std::vector<char> own_;  // for a record longer than the slice
  size_t pos_ = 0;         // first unconsumed byte in buf_
  size_t len_ = 0;         // bytes held in buf_
  uint32_t crc_ = 0;
  uint64_t rows_read_ = 0;
  EventView row_;
  std::string prev_employee_;  // the previous key, for the order check
  std::string prev_external_;
};

class Merger {
 public:
  // REQUIRES: `src` outlives the Merger.
  Merger(ByteSource& src, std::span<const RunInfo> runs, size_t budget_bytes);
  // Moves to the next distinct key: false at the end, an Error when a run
  // is not sound.
  Result<bool> next();
  // The winning row of the current key; valid until the next call of next().
  const EventView& row() const { return readers_[static_cast<size_t>(current_)]->row(); }
  // Rows of earlier runs skipped so far for a later row of the same key.
  uint64_t superseded() const { return superseded_; }
  // The readers' slices, in all (see Memory above).
  size_t buffer_bytes() const { return buffer_bytes_; }

 private:
  // Heap order: smallest key on top; for one key, the latest run first.
  bool lower(uint32_t a, uint32_t b) const;
  void push(uint32_t run);
  uint32_t pop();
  // Advances run `i` and puts it back in the heap unless it ended.
  Status advance(uint32_t i);

  std::unique_ptr<char[]> buffers_;  // every reader's slice
  size_t buffer_bytes_ = 0;
  std::vector<std::unique_ptr<RunReader>> readers_;
  std::vector<uint32_t> heap_;
  bool started_ = false;
  int64_t current_ = -1;
  uint64_t superseded_ = 0;
};

}  // namespace skillsync::store::runs
