// LoadRun (internal to tasks/): one run of one claimed task, as the steps
// LoadPipeline::run calls in order:
//
//   open_source      entity, options, the task's source (its secret opened),
//                    the resume point from the checkpoint; starts the lease
//   open_first_file  opens the file the run starts in (at the checkpoint's
//                    offset when resuming) and reads its header
//   bind_header      header -> schema binding; opens the store's writer
//   stage_rows       the read loop: records -> events / row errors ->
//                    batches staged with their checkpoints (BatchStager)
//   end              writes how the run ended (ending_of in load_end.hpp
//                    decides the status): publish, finish, release or leave
//
// Each step is public so that it is tested on its own; a step that fails
// returns the Error, and run() turns it into the run's end. One object per
// run: not reusable, not thread-safe (the lease keeper and the stager have
// threads of their own, which the object joins).
//
// REQUIRES: the store, opener, key, clock, task and stop token outlive the
// object; the task is claimed by `worker`.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tasks/batch_stager.hpp"
#include "tasks/lease_keeper.hpp"
#include "tasks/load_end.hpp"
#include "tasks/load_files.hpp"
#include "tasks/tasks.hpp"

namespace skillsync::tasks::internal {

class LoadRun {
 public:
  LoadRun(store::Store& store, ObjectOpener& opener, const MasterKey& key, const Clock& clock,
          const PipelineConfig& config, const store::Task& task, std::string_view worker,
          const CancellationToken& stop);
  LoadRun(const LoadRun&) = delete;
  LoadRun& operator=(const LoadRun&) = delete;

  // Every step in order; the task's final status (see LoadPipeline::run).
  store::TaskStatus run();

  // Finds the entity, reads the options, opens the source (listing a
  // prefix; a source's task with objects of its own, Store::list_task_objects,
  // loads those) and the resume point: a resumable checkpoint keeps its header,
  // file and progress; any other checkpoint is dropped (Store::reset_load)
  // and the run starts over. "object_changed" when the checkpoint's file is
  // no longer under the prefix. Starts the lease keeper.
  Status open_source();
  // Opens the run's first file (from the checkpoint's offset when resuming;
  // else reads its header). Sets progress().bytes_total. An interrupted open
  // fails with "cancelled" (see outcome_of_read).
  // REQUIRES: open_source() succeeded.
  Status open_first_file();
  // Binds the header to the entity ("missing_columns", ...) and opens the
  // store's writer for this worker.
  // REQUIRES: open_first_file() succeeded.
  Status bind_header();
  // Reads every remaining row into staged batches, each with its checkpoint;
  // how the reading ended. A refused write ends it as end_of_refused_write
  // says; a shutdown stages what was read first; an interrupted read, a
  // failed next file or a rejection policy (on_error abort,
  // max_rejected_rows) end it as the cause asks.
  // REQUIRES: bind_header() succeeded.
  LoadEnd stage_rows();
  // Writes the run's end as ending_of(how.outcome) says and returns the
  // status; kRunning when the task was handed back, left to another worker,
  // or its end could not be recorded.
  store::TaskStatus end(const LoadEnd& how);

  // Why a read or open failed: an interruption ("cancelled" while stop, the
  // lease's loss or a cancel request holds) ends the run so; any other error
  // fails it. REQUIRES: open_source() succeeded.
  Outcome outcome_of_read(const Error& e) const;

  const store::Progress& progress() const { return progress_; }
  const std::vector<std::string>& header_names() const { return header_names_; }
  // The file being read (an index into the source's files).
  size_t file_index() const { return index_; }
  bool resuming() const { return resuming_; }

 private:
  Status resume_from_checkpoint();
  Result<std::unique_ptr<FileReader>> open_file(size_t i, std::optional<csv::Position> at);
  Status next_file();
  std::optional<Outcome> signalled() const;
  LoadEnd read_loop(BatchStager& stager);
  void take_row(csv::RecordReader::Item item, schema::RowMapper& mapper, Batch& batch);
  void hand_over(BatchStager& stager, Batch*& batch);
  store::TaskStatus publish(store::TaskStatus status);
  store::TaskStatus record(store::TaskStatus status, const std::optional<Error>& e);

  store::Store& store_;
  ObjectOpener& opener_;
  const MasterKey& key_;
  const Clock& clock_;
  const PipelineConfig config_;
  const store::Task& task_;
  const std::string worker_;
  const CancellationToken& stop_;
  const Micros started_;

  // Declared first, destroyed last (as the run's other parts may use it).
  std::unique_ptr<store::TaskWriter> writer_;
  const schema::EntityDef* entity_ = nullptr;
  LoadOptions options_;
  std::unique_ptr<LoadSource> source_;
  store::Progress progress_;
  ResumeState resume_;
  std::vector<std::string> header_names_;
  std::string header_json_;
  size_t index_ = 0;         // the file being read
  bool resuming_ = false;    // the run continues from the checkpoint
  uint64_t done_bytes_ = 0;  // bytes of the files before the current one (a prefix load)
  uint64_t batches_ = 0;     // batches staged so far, this run's and the resumed ones
  std::optional<schema::HeaderBinding> binding_;
  schema::FieldError field_error_;  // reused from row to row
  // The lease's interrupt token outlives the file reading through it.
  std::optional<LeaseKeeper> lease_;
  std::unique_ptr<FileReader> file_;
};

}  // namespace skillsync::tasks::internal
