// tasks/task_metrics: the metrics and log fields of a task's run.
#pragma once

#include "common/log.hpp"
#include "store/store.hpp"

namespace skillsync::tasks {

// Counts a task that has just ended (skillsync_tasks_finished_total, its
// duration from first claim to end, its rows by outcome), reading its final
// state back from the store: rows_superseded is computed there at publish.
// A task the store cannot read now is counted with what `claimed` knows.
void record_task_end(store::Store& store, const store::Task& claimed);

// The log fields of every line about `task` (task_id, tenant, and trace_id
// when the creating request sent one).
log::ScopedFields task_log_fields(const store::Task& task);

}  // namespace skillsync::tasks
