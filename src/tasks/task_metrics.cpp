// Task metrics and log fields (see task_metrics.hpp).
#include "tasks/task_metrics.hpp"

#include "metrics/skillsync_metrics.hpp"
#include "tasks/load_options.hpp"

namespace skillsync::tasks {

void record_task_end(store::Store& store, const store::Task& claimed) {
  store::Task task = claimed;
  if (auto read = store.get_task(claimed.tenant, claimed.id); read.ok() && read->has_value()) {
    task = std::move(**read);
  }
  if (!store::is_finished(task.status)) return;  // another worker took it over
  double seconds = -1;
  if (task.started_at && task.finished_at) {
    seconds = static_cast<double>(*task.finished_at - *task.started_at) / 1e6;
  }
  // Only a published load put rows in the store; a dry run or a failed
  // load "loaded" none, whatever it staged.
  auto options = load_options_from_json(task.options_json);
  const bool published = (task.status == store::TaskStatus::kCompleted ||
                          task.status == store::TaskStatus::kCompletedWithErrors) &&
                         options.ok() && !options->dry_run;
  const store::Progress& p = task.progress;
  metrics::record_task_end(task.entity_type, store::to_string(task.status), seconds,
                           published ? p.rows_loaded : 0, p.rows_rejected,
                           published ? p.rows_superseded : 0);
}

log::ScopedFields task_log_fields(const store::Task& task) {
  if (task.trace_id.empty())
    return log::ScopedFields{{"task_id", task.id}, {"tenant", task.tenant}};
  return log::ScopedFields{
      {"task_id", task.id}, {"tenant", task.tenant}, {"trace_id", task.trace_id}};
}

}  // namespace skillsync::tasks
