#include "store/store.hpp"

#include <array>
#include <utility>

namespace skillsync::store {
namespace {

// The text form is what the API returns and what the stores persist.
constexpr std::array<std::pair<TaskStatus, std::string_view>, 6> kStatusNames{{
    {TaskStatus::kPending, "pending"},
    {TaskStatus::kRunning, "running"},
    {TaskStatus::kCompleted, "completed"},
    {TaskStatus::kCompletedWithErrors, "completed_with_errors"},
    {TaskStatus::kFailed, "failed"},
    {TaskStatus::kCancelled, "cancelled"},
}};

}  // namespace

std::string_view to_string(TaskStatus s) {
  for (const auto& [status, name] : kStatusNames) {
    if (status == s) return name;
  }
  return "unknown";
}

std::optional<TaskStatus> task_status_from_string(std::string_view s) {
  for (const auto& [status, name] : kStatusNames) {
    if (name == s) return status;
  }
  return std::nullopt;
}

}  // namespace skillsync::store

namespace skillsync::store {

std::string_view to_string(SourceStatus s) {
  switch (s) {
    case SourceStatus::kActive:
      return "active";
    case SourceStatus::kPaused:
      return "paused";
    case SourceStatus::kError:
      return "error";
  }
  return "unknown";
}

std::optional<SourceStatus> source_status_from_string(std::string_view s) {
  if (s == "active") return SourceStatus::kActive;
  if (s == "paused") return SourceStatus::kPaused;
  if (s == "error") return SourceStatus::kError;
  return std::nullopt;
}

}  // namespace skillsync::store
