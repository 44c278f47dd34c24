// SqliteStore: where a load's staged rows live, and how that agrees with the
// database.
//
// A load stages each batch as one key-sorted run (store/runs) appended to a
// scratch file of its own, <database>.stage/<hex of task id>.runs, written
// without fsync: it is not the database's to keep. The task's row records
// what the file held at the last checkpoint (stage_bytes, stage_runs,
// stage_crc), written in the same transaction as the checkpoint, and the run
// is written inside that transaction after the fence check, so only the
// task's owner ever writes the file and the row never names bytes that were
// not written before it. The rules that follow:
// - bytes past stage_bytes (a batch written whose transaction did not
//   commit) are garbage: the next run is written over them, and resuming
//   cuts them off;
// - a file shorter than recorded, missing or not matching its CRC (an OS
//   crash, another machine) cannot be resumed: the claim that finds it
//   restarts the load from row 0 (stage, row errors and checkpoint dropped),
//   which is correct and never counts a row twice;
// - a task checkpointed by a version that staged into a table
//   (stage_<hex>, stage_bytes NULL) restarts from row 0 the same way;
// - every path that ends or resets a load removes the file inside its
//   transaction; publish removes it after its commit; files of tasks that
//   are no longer running are removed when the store opens.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "store/runs/run_format.hpp"
#include "store/sqlite/pool.hpp"
#include "store/store.hpp"

namespace skillsync::store::sqlite {

// What the tasks row says about a task's stage.
struct StageRecord {
  bool checkpoint = false;  // the task has a checkpoint
  // The run file as of the checkpoint; {} without a checkpoint; nullopt for
  // a checkpoint written by a version that staged into a table.
  std::optional<runs::FileState> file;
  uint64_t staged_rows = 0;  // rows staged, superseded ones included
};
// REQUIRES: the task exists ("not_found" otherwise).
Result<StageRecord> read_stage_record(Connection& conn, std::string_view task_id);

// <database file>.stage/<hex of task id>.runs
std::string stage_file_path(Db& db, std::string_view task_id);
// Removes the task's run file, if any.
Status remove_stage_file(Db& db, std::string_view task_id);

// An open run file (read and write).
class StageFile {
 public:
  // Opens (creating it and its directory if needed) the task's run file and
  // cuts it to `length`.
  static Result<StageFile> open(Db& db, std::string_view task_id, uint64_t length);
  StageFile(StageFile&& o) noexcept;
  StageFile& operator=(StageFile&& o) noexcept;
  StageFile(const StageFile&) = delete;
  StageFile& operator=(const StageFile&) = delete;
  ~StageFile();

  int fd() const { return fd_; }
  // Writes all of `bytes` at `offset`.
  Status write_at(uint64_t offset, std::string_view bytes);

 private:
  explicit StageFile(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// Distinct keys among the runs of `file` (a merge that writes nothing).
Result<uint64_t> count_distinct_keys(StageFile& f, const runs::FileState& file);
// Upserts the merged runs into events for `task` (the last row of a key
// wins), in the caller's transaction. Returns the distinct keys written.
Result<uint64_t> merge_into_events(Db& db, StageFile& f, const runs::FileState& file,
                                   const Task& task, Micros now);

// After a claim of `task` with a checkpoint (committed): checks the run file
// against the row. A longer file is cut; one that cannot be resumed makes
// the load restart from row 0 (the task comes back without checkpoint and
// with zero progress). Returns the task as the worker should run it.
Result<Task> check_resumed_stage(Connection& conn, Task task, std::string_view worker_id);

// Removes run files whose task is not running (finished, purged): what a
// publish that stopped between its commit and the removal left.
void remove_stale_stage_files(Db& db);

}  // namespace skillsync::store::sqlite
