// store/sources.hpp: the rows of recurring S3 sources and their ledger, as
// the Store keeps them (the Store methods are in store.hpp, "sources").
//
// A Source names an S3 prefix, a glob pattern and a schedule; each check of
// it lists the prefix and records every object it sees in the ledger
// (SourceFile), keyed by (source_id, key, etag). That key is UNIQUE in both
// stores: recording the same content twice is a no-op that returns the row
// already there, so the same content never loads twice, also across
// processes. A loaded file's ledger row and its File Load Task are written
// in ONE transaction (Store::record_file_and_create_task), so a crash can
// neither load a file twice nor lose it. With batch "per_check" the new
// files of a check and their one task are written in one transaction
// (Store::record_files_and_create_task), the task's objects with it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.hpp"

namespace skillsync::store {

enum class SourceStatus { kActive, kPaused, kError };
std::string_view to_string(SourceStatus s);
std::optional<SourceStatus> source_status_from_string(std::string_view s);

struct Source {
  std::string id;
  std::string tenant;
  std::string name;
  std::string entity_type;
  std::string method;  // the task methods' names, e.g. "s3_iam_user"
  std::string uri;     // s3://bucket/prefix/
  std::string region;  // "" = server default
  std::string pattern;
  std::string sealed_credentials;  // sealed like a task's (tasks/secrets)
  int64_t schedule_seconds = 0;
  std::string options_json = "{}";  // File Load Task options for every task
  std::string start_after;          // "" = none
  std::optional<Micros> modified_after;
  std::string batch = "per_file";  // or "per_check"
  int max_consecutive_failures = 3;
  SourceStatus status = SourceStatus::kActive;
  std::string last_error;  // "" unless status is kError
  std::optional<Micros> last_check_at;
  std::optional<Micros> next_check_at;  // due when <= now (and active)
  // Tasks of the source created at or after this time count toward
  // max_consecutive_failures (resume moves it, so old failures are forgiven).
  Micros failures_since = 0;
  std::string lease_owner;  // "" unless a check holds the source
  std::optional<Micros> lease_expires_at;
  Micros created_at = 0;  // 0 = now, in create_source
  Micros updated_at = 0;
};

struct SourcePage {
  std::vector<Source> items;  // sealed_credentials is always "" here
  std::optional<std::string> next_cursor;
};

// One object a source has seen, in one version (ETag).
struct SourceFile {
  std::string source_id;
  std::string key;
  std::string etag;
  uint64_t size = 0;
  Micros last_modified = 0;
  Micros first_seen = 0;    // 0 = now, when recorded
  std::string task_id;      // "" when skipped
  std::string skip_reason;  // "" when loaded; "pattern", "start_after", ...
};

// One object of a task made by a "per_check" check: the version (ETag) the
// check chose, which the load pins (another version fails "object_changed").
struct TaskObject {
  std::string key;
  std::string etag;
  uint64_t size = 0;
};

struct RecordedFile {
  SourceFile file;       // the row as stored (the earlier one when not created)
  bool created = false;  // false: this (key, etag) was already in the ledger
};

// A ledger row with what its task says now (absent when skipped, or when
// the task was purged).
struct SourceFileView {
  SourceFile file;
  std::optional<std::string> task_status;
  uint64_t rows_loaded = 0;
  uint64_t rows_rejected = 0;
};

struct SourceFilePage {
  std::vector<SourceFileView> items;  // in the order the ledger recorded them
  std::optional<std::string> next_cursor;
};

// The end of one check, written by its lease owner.
struct SourceCheckResult {
  Micros checked_at = 0;
  Micros next_check_at = 0;
  std::optional<std::string> error;  // set: the source goes to kError with it
};

}  // namespace skillsync::store
