// sources/checker: one check of a source: list its prefix, decide per
// object, record each new version in the ledger and create its task.
//
// Per object, in key order (the listing's order), the first rule that
// applies decides (skip_reason in the ledger):
//   "start_after"     the key sorts at or before source.start_after
//   "pattern"         the key below the prefix does not match the pattern
//   "modified_after"  LastModified is before source.modified_after
//   "zero_bytes"      the object is empty
//   "too_large"       bigger than kMaxObjectBytes (5 GiB)
// Otherwise the object loads. Batch "per_file": one File Load Task per new
// (key, ETag), its uri the object, written with its ledger row in one
// transaction. Batch "per_check": ONE task for all new versions of the
// check, its uri the source's prefix and its objects exactly those versions
// in key order (Store::record_files_and_create_task: ledger rows, task and
// objects in one transaction), loaded as one atomic publish like a prefix
// task, each object pinned to the ETag the check saw.
// A version already in the ledger is left alone, so a check repeated after
// a crash records nothing twice.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "common/time.hpp"
#include "source/s3/s3.hpp"
#include "sources/glob.hpp"
#include "store/store.hpp"
#include "tasks/task_service.hpp"

namespace skillsync::sources {

// Lists the objects under the source's prefix with its credentials.
using Lister = std::function<Result<std::vector<source::s3::ListedObject>>(
    const store::Source& source, const source::s3::Credentials& credentials)>;

// A Lister over the real S3 client (paged ListObjectsV2; config.region
// unless the source names one).
Lister make_s3_lister(source::s3::ClientConfig config);

struct CheckOutcome {
  size_t listed = 0;
  size_t tasks_created = 0;
  size_t skipped = 0;  // newly recorded as skipped
  // Set when the source must go to status "error" (credentials refused,
  // max_consecutive_failures tasks failed in a row).
  std::optional<std::string> error;
  // Set when the check failed for a passing reason (timeout, 5xx): the next
  // check retries.
  std::optional<std::string> transient_error;
};

// Error codes of a listing that mean "these credentials will not work".
bool is_credentials_error(const Error& e);

class SourceChecker {
 public:
  SourceChecker(store::Store& store, const tasks::MasterKey& key, const Clock& clock, Lister list)
      : store_(store), key_(key), clock_(clock), list_(std::move(list)) {}

  // Runs one check of `source` (whose lease the caller holds).
  CheckOutcome check(const store::Source& source);

 private:
  std::optional<std::string> failure_streak(const store::Source& source);
  // Records a skipped object, or creates a per_file object's task, or (batch
  // per_check) adds the object to `batch`.
  Status record(const store::Source& source, const source::s3::Credentials& creds, const Glob& glob,
                const source::s3::S3Uri& prefix, const source::s3::ListedObject& object,
                std::vector<store::SourceFile>& batch, CheckOutcome& out);
  // The per_check task of `batch`, if any of it is new.
  Status record_batch(const store::Source& source, const source::s3::Credentials& creds,
                      const std::vector<store::SourceFile>& batch, CheckOutcome& out);
  // A pending task of `source` reading `uri`, its credentials sealed for it.
  store::Task new_task(const store::Source& source, const source::s3::Credentials& creds,
                       std::string uri, Micros now) const;

  store::Store& store_;
  const tasks::MasterKey& key_;
  const Clock& clock_;
  Lister list_;
};

}  // namespace skillsync::sources
