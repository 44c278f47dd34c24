// How a load ends (internal to tasks/): the ways a LoadRun can end
// (Outcome), the one table that says what each does to the task (its status,
// and who writes it), the mapping of a refused store write to an outcome,
// and the retried write of a task's end.
//
// Contract: ending_of is the only place that maps an outcome to a task
// status; LoadRun::end acts on it and nothing else decides a status.
#pragma once

#include <chrono>
#include <optional>

#include "common/cancel.hpp"
#include "common/result.hpp"
#include "common/time.hpp"
#include "store/store.hpp"

namespace skillsync::tasks::internal {

// How a load run ends.
enum class Outcome {
  kDone,       // every row was read and staged: publish (or end the dry run)
  kFailed,     // an error ends the task (the error is the task's)
  kCancelled,  // a user asked to cancel the task
  kStopped,    // the worker shuts down: hand the task back, checkpoint kept
  kLost,       // another worker owns the task now: touch nothing
};

// An outcome, with the error the task fails with (kFailed only).
struct LoadEnd {
  Outcome outcome = Outcome::kDone;
  Error error;
};

// Who writes the end of the task.
enum class EndAction {
  kPublish,  // the writer's publish (or dry-run finish) records the status
  kRecord,   // Store::finish_task records the status (after discarding the stage)
  kRelease,  // Store::release_lease: the task stays running, its stage kept
  kLeave,    // nothing is written: the task is another worker's
};

struct Ending {
  store::TaskStatus status;  // what LoadPipeline::run returns once the end is written
  EndAction action;
};

// The table: kDone -> completed (or completed_with_errors when
// `progress.rows_rejected` > 0) by publish; kFailed -> failed and kCancelled
// -> cancelled by finish_task; kStopped -> running, lease released; kLost ->
// running, untouched.
Ending ending_of(Outcome outcome, const store::Progress& progress);

// How a run ends when the store refuses one of its writes (a staged batch,
// the publish): "lease_lost" -> kLost, "cancelled" -> kCancelled, anything
// else -> kFailed with that error.
LoadEnd end_of_refused_write(const Error& e);

// Records a task's end, retrying every second while the store refuses it (a
// full disk, a passing storage error) for at most `retry_for` or until
// `stop`; the heartbeat keeps the task this worker's meanwhile. True once
// recorded; false at once when the task is no longer this worker's
// ("lease_lost", "not_found"). The log says what the API shows: the task is
// `running` while the end is retried, and stays so, to be run again after its
// lease, when it cannot be recorded at all.
bool record_end(store::Store& store, const Clock& clock, const store::Task& task,
                const std::string& worker, store::TaskStatus status,
                const std::optional<store::TaskError>& err, const store::Progress& progress,
                std::chrono::milliseconds retry_for, const CancellationToken& stop);

}  // namespace skillsync::tasks::internal
