// store::Task -> TaskView (see task_view.hpp).
#include "tasks/task_view.hpp"

namespace skillsync::tasks {

TaskView task_view(const store::Task& t) {
  TaskView v;
  v.id = t.id;
  v.tenant = t.tenant;
  v.entity_type = t.entity_type;
  v.method = t.method;
  v.uri = t.uri;
  v.region = t.region;
  v.options_json = t.options_json;
  v.status = t.status;
  v.created_at = t.created_at;
  v.started_at = t.started_at;
  v.finished_at = t.finished_at;
  v.cancel_requested_at = t.cancel_requested_at;
  v.progress = t.progress;
  v.error = t.error;
  v.attempts = t.attempts;
  v.trace_id = t.trace_id;
  v.source_id = t.source_id;
  v.header_json = t.header_json;
  return v;
}

}  // namespace skillsync::tasks
