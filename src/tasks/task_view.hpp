// tasks/task_view: a File Load Task as its owner sees it — what the API
// shows and what the error report is built from.
//
// Contract: TaskView has no field for the task's sealed credentials (nor the
// worker's lease and checkpoint), so nothing built from one can return them.
// Only the worker that runs a task reads store::Task with its sealed blob.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/time.hpp"
#include "store/store.hpp"

namespace skillsync::tasks {

struct TaskView {
  std::string id;
  std::string tenant;
  std::string entity_type;
  std::string method;
  std::string uri;     // a presigned URL's redacted form only
  std::string region;  // "" = server default
  std::string options_json;
  store::TaskStatus status = store::TaskStatus::kPending;
  Micros created_at = 0;
  std::optional<Micros> started_at;
  std::optional<Micros> finished_at;
  std::optional<Micros> cancel_requested_at;
  store::Progress progress;
  std::optional<store::TaskError> error;
  int attempts = 0;
  std::string trace_id;     // "" when the creating request had none
  std::string source_id;    // "" when no recurring source made it
  std::string header_json;  // the file's header names (JSON array); "" before read
};

// The view of `task`: every field above copied, the secret left behind.
TaskView task_view(const store::Task& task);

// A task with the first of its row errors (kInlineRowErrors, file order), as
// GET, POST (replay) and cancel answer it.
inline constexpr size_t kInlineRowErrors = 100;
struct TaskDetail {
  TaskView task;
  std::vector<store::RowError> row_errors;
};

struct TaskViewPage {
  std::vector<TaskView> items;
  std::optional<std::string> next_cursor;
};

}  // namespace skillsync::tasks
