// tasks: File Load Tasks — accepting them, and running them.
//
//   parse_create_request  validates a POST /integrations/file-load-tasks body
//   TaskService           creates tasks (credentials sealed with the master
//                         key, bound to the task id) and reads their status
//   LoadPipeline          runs one task: object -> CSV records -> events ->
//                         staged batches -> one atomic publish
//   WorkerPool            N threads that claim pending tasks and run them
//
// Credentials are opened only inside the worker that runs the task, live in
// SecretString while used, and are erased from storage when the task ends
// (the store does that as part of publish/finish).
#pragma once

#include <atomic>
#include <boost/json/value.hpp>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/byte_reader.hpp"
#include "common/cancel.hpp"
#include "common/result.hpp"
#include "common/secret.hpp"
#include "common/time.hpp"
#include "schema/schema.hpp"
#include "source/object_source.hpp"
#include "store/store.hpp"
#include "tasks/load_options.hpp"
#include "tasks/task_service.hpp"

namespace skillsync::tasks {

// Where a task's bytes come from (source/object_source.hpp): the load builds
// a source::SourceSpec from the task once and opens it through this.
using ObjectOpener = source::ObjectOpener;

struct PipelineConfig {
  size_t batch_rows = 20000;  // rows per staged transaction (and per checkpoint)
  // A batch is also handed over once its rows hold this many bytes (events'
  // strings, row errors' text; see Batch::bytes), whichever limit comes
  // first: rows of 5 KB would make 20,000-row batches of 100 MB. The stager
  // keeps two batches and at most about 3x this per batch (slot capacity
  // included), so this bounds the load's memory whatever the row size.
  size_t batch_bytes = size_t{16} << 20;
  // A worker that stops renewing (it died) loses the task after this long;
  // it must outlast the longest publish, during which heartbeats wait.
  Micros lease_duration = 120 * 1000000LL;
  std::chrono::milliseconds heartbeat_interval{2000};
};

// Runs one claimed task to its end state. Never throws; every outcome is
// written to the store (completed, completed_with_errors or failed).
//
// A prefix uri loads every listed object, in key order, as one task: the
// files must all have the first file's header (else "header_mismatch",
// naming the file and the first difference), progress counts across files
// (bytes_total is the sum of the listed sizes), line numbers are per file
// and each RowError names its file (RowError::file, the object key). No
// object under the prefix fails the task with "no_objects". The checkpoint
// records the file and the offset in it (and the file's ETag), so a resumed
// task continues in that file, with the files before it done and each file's
// version pinned; a checkpoint inside a compressed or transcoded file
// restarts the whole task, as for a single object.
class LoadPipeline {
 public:
  LoadPipeline(store::Store& store, ObjectOpener& opener, const MasterKey& key, const Clock& clock,
               PipelineConfig config = {})
      : store_(store), opener_(opener), key_(key), clock_(clock), config_(config) {}

  // Runs a task claimed by `worker_id` (continuing from its checkpoint, if
  // any). Returns its final status, or kRunning when `stop` interrupted it
  // (its lease is released and its checkpoint kept, so any process continues
  // it) or when another worker took it over.
  //
  // A download that waits on the network (S3 stalled) does not delay these:
  // `stop`, a cancel request (learnt at the next heartbeat) and a lost lease
  // interrupt the read within about a second. After a shutdown the rows read
  // since the last checkpoint are not staged (they are read again after the
  // restart); a cancel ends the task cancelled, a lost lease leaves it to
  // its new worker, as when they are noticed between records.
  store::TaskStatus run(const store::Task& task, std::string_view worker_id,
                        const CancellationToken& stop);

 private:
  store::Store& store_;
  ObjectOpener& opener_;
  const MasterKey& key_;
  const Clock& clock_;
  PipelineConfig config_;
};

struct WorkerPoolConfig {
  int workers = 2;
  std::chrono::milliseconds idle_poll{200};
  PipelineConfig pipeline;
  // Finished tasks (and their row errors) older than this are purged.
  std::chrono::hours retention{24 * 30};
  std::chrono::minutes purge_interval{60};
};

// Threads that claim pending tasks and run them until stop().
class WorkerPool {
 public:
  WorkerPool(store::Store& store, ObjectOpener& opener, const MasterKey& key, const Clock& clock,
             WorkerPoolConfig config);
  ~WorkerPool();
  void start();
  // Wakes an idle worker (a task was just created).
  void notify();
  // Stops claiming and joins the threads (running tasks finish first).
  void stop();

 private:
  void loop(int index);
  void purge_loop();

  store::Store& store_;
  ObjectOpener& opener_;
  const MasterKey& key_;
  const Clock& clock_;
  WorkerPoolConfig config_;
  std::vector<std::thread> threads_;
  CancellationToken stop_token_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  uint64_t wakeups_ = 0;
  std::string id_prefix_;  // host, pid and a random part: unique per process
};

}  // namespace skillsync::tasks
