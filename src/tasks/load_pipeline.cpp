// LoadPipeline: object -> (decompress) -> (to UTF-8) -> CSV records ->
// validated events -> staged batches, each with a checkpoint -> one atomic
// publish. Bad rows become RowErrors; they never stop the load.
//
// Exactly once: a batch's rows, its row errors and the checkpoint that says
// where the file stands after it are written in one transaction. A task
// reclaimed after a crash continues from that checkpoint (plain UTF-8 files;
// compressed or transcoded ones restart from the first byte), and rows become
// visible only at publish, so no row is lost or loaded twice.
//
// A prefix load reads its files one after the other through the same
// stager: the checkpoint names the file its offset is in (ResumeState::file),
// so a resumed load reopens that file, pinned to its ETag, and goes on with
// the later keys of a fresh listing.
//
// Stopping: shutdown (`stop`), a cancel request and a lost lease are looked
// at between records, and they also interrupt a read that waits on the
// network (LeaseKeeper::interrupt() reaches the S3 download), so a stalled
// download does not hold them up: the read fails with "cancelled" and the
// load ends the way the cause asks for.
//
// Each run is a LoadRun (load_run.hpp), whose steps are tested one by one;
// how a run ends maps to the task's status in one table (load_end.hpp).
#include "tasks/load_run.hpp"
#include "tasks/tasks.hpp"

namespace skillsync::tasks {

store::TaskStatus LoadPipeline::run(const store::Task& task, std::string_view worker_id,
                                    const CancellationToken& stop) {
  internal::LoadRun run(store_, opener_, key_, clock_, config_, task, worker_id, stop);
  return run.run();
}

}  // namespace skillsync::tasks
