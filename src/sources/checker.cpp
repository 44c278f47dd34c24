// sources/checker: one check of a source (see checker.hpp).
#include "sources/checker.hpp"

#include <spdlog/spdlog.h>

#include "common/crypto.hpp"
#include "sources/glob.hpp"
#include "sources/source_request.hpp"

namespace skillsync::sources {
namespace s3 = source::s3;
namespace {

// Why `object` is not loaded, or "" when it is.
std::string skip_reason(const store::Source& source, const Glob& glob, const s3::S3Uri& prefix,
                        const s3::ListedObject& object) {
  if (!source.start_after.empty() && object.key <= source.start_after) return "start_after";
  if (!glob.matches(std::string_view(object.key).substr(prefix.key.size()))) return "pattern";
  if (source.modified_after) {
    auto modified = schema::parse_timestamp(object.last_modified);
    if (modified.ok() && *modified < *source.modified_after) return "modified_after";
  }
  if (object.size == 0) return "zero_bytes";
  if (object.size > kMaxObjectBytes) return "too_large";
  return "";
}

}  // namespace

bool is_credentials_error(const Error& e) {
  return e.code == "AccessDenied" || e.code == "InvalidAccessKeyId" ||
         e.code == "SignatureDoesNotMatch" || e.code == "NoSuchBucket" ||
         e.code == "ExpiredToken" || e.code == "InvalidToken" ||
         e.is(Errc::kCredentialsUnreadable) || e.is(Errc::kCredentialsErased);
}

Lister make_s3_lister(s3::ClientConfig config) {
  return [config = std::move(config)](
             const store::Source& source,
             const s3::Credentials& creds) -> Result<std::vector<s3::ListedObject>> {
    SKILLSYNC_ASSIGN_OR_RETURN(auto uri, s3::parse_s3_uri(source.uri));
    s3::ClientConfig c = config;
    if (!source.region.empty()) c.region = source.region;
    s3::S3Client client(std::move(c), creds);
    return client.list_objects(uri.bucket, uri.key);
  };
}

std::optional<std::string> SourceChecker::failure_streak(const store::Source& source) {
  const auto n = static_cast<size_t>(std::max(1, source.max_consecutive_failures));
  auto recent = store_.recent_source_task_statuses(source.id, source.failures_since, n);
  if (!recent.ok() || recent->size() < n) return std::nullopt;
  for (auto st : *recent) {
    if (st != store::TaskStatus::kFailed) return std::nullopt;
  }
  return "tasks_failing: the last " + std::to_string(n) + " tasks of the source failed";
}

store::Task SourceChecker::new_task(const store::Source& source, const s3::Credentials& creds,
                                    std::string uri, Micros now) const {
  store::Task task;
  task.id = "flt_" + crypto::hex(crypto::random_bytes(12));
  task.tenant = source.tenant;
  task.entity_type = source.entity_type;
  task.method = source.method;
  task.uri = std::move(uri);
  task.region = source.region;
  task.options_json = source.options_json;
  task.sealed_credentials = tasks::seal_credentials(key_, task.id, creds);
  task.status = store::TaskStatus::kPending;
  task.created_at = now;
  task.source_id = source.id;
  return task;
}

Status SourceChecker::record(const store::Source& source, const s3::Credentials& creds,
                             const Glob& glob, const s3::S3Uri& prefix,
                             const s3::ListedObject& object, std::vector<store::SourceFile>& batch,
                             CheckOutcome& out) {
  store::SourceFile file;
  file.source_id = source.id;
  file.key = object.key;
  file.etag = object.etag;
  file.size = object.size;
  if (auto t = schema::parse_timestamp(object.last_modified); t.ok()) file.last_modified = *t;
  file.first_seen = clock_.now();
  file.skip_reason = skip_reason(source, glob, prefix, object);
  if (!file.skip_reason.empty()) {
    SKILLSYNC_ASSIGN_OR_RETURN(auto r, store_.record_source_file(file));
    if (r.created) ++out.skipped;
    return ok_status();
  }
  if (source.batch == kBatchPerCheck) {
    batch.push_back(std::move(file));
    return ok_status();
  }
  const store::Task task =
      new_task(source, creds, "s3://" + prefix.bucket + "/" + object.key, file.first_seen);
  SKILLSYNC_ASSIGN_OR_RETURN(auto r, store_.record_file_and_create_task(file, task));
  if (r.created) ++out.tasks_created;
  return ok_status();
}

Status SourceChecker::record_batch(const store::Source& source, const s3::Credentials& creds,
                                   const std::vector<store::SourceFile>& batch, CheckOutcome& out) {
  if (batch.empty()) return ok_status();
  const store::Task task = new_task(source, creds, source.uri, clock_.now());
  SKILLSYNC_ASSIGN_OR_RETURN(auto recorded, store_.record_files_and_create_task(batch, task));
  if (!recorded.empty()) ++out.tasks_created;
  return ok_status();
}

CheckOutcome SourceChecker::check(const store::Source& source) {
  CheckOutcome out;
  if (auto streak = failure_streak(source)) {
    out.error = *streak;
    return out;
  }
  auto creds = tasks::open_credentials(key_, source.id, source.sealed_credentials);
  if (!creds.ok()) {
    out.error = creds.error().code + ": " + creds.error().message;
    return out;
  }
  auto listed = list_(source, *creds);
  if (!listed.ok()) {
    const std::string why = listed.error().code + ": " + listed.error().message;
    (is_credentials_error(listed.error()) ? out.error : out.transient_error) = why;
    return out;
  }
  out.listed = listed->size();
  auto glob = Glob::compile(source.pattern);
  auto prefix = s3::parse_s3_uri(source.uri);
  if (!glob.ok() || !prefix.ok()) {
    out.error = "invalid_source: the stored pattern or uri does not parse";
    return out;
  }
  std::vector<store::SourceFile> batch;  // per_check: the check's loadable objects
  Status st = ok_status();
  for (const auto& object : *listed) {
    st = record(source, *creds, *glob, *prefix, object, batch, out);
    if (!st.ok()) break;
  }
  if (st.ok()) st = record_batch(source, *creds, batch, out);
  if (!st.ok()) out.transient_error = st.error().code + ": " + st.error().message;
  return out;
}

}  // namespace skillsync::sources
