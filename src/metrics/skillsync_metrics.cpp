// skillsync's metric catalog (see skillsync_metrics.hpp).
#include "metrics/skillsync_metrics.hpp"

#ifndef SKILLSYNC_VERSION
#define SKILLSYNC_VERSION "unknown"
#endif

namespace skillsync::metrics {
namespace {

// Task durations: a small file takes well under a second, a large one hours.
constexpr double kTaskDurationBuckets[] = {0.1, 0.5, 1,   2.5, 5,    10,   30,
                                           60,  120, 300, 600, 1800, 3600, 7200};

SkillsyncMetrics make() {
  Registry& r = default_registry();
  r.gauge("skillsync_build_info", "Build of the running skillsync binary; always 1", {"version"})
      .with({SKILLSYNC_VERSION})
      .set(1);
  SkillsyncMetrics m{
      r.counter("skillsync_tasks_finished_total",
                "File Load Tasks that ended, by entity type and final status",
                {"entity_type", "status"}),
      r.histogram("skillsync_task_duration_seconds",
                  "Time from a File Load Task's first claim by a worker to its end",
                  {"entity_type"}, kTaskDurationBuckets),
      r.counter("skillsync_rows_total",
                "Rows of finished File Load Tasks: loaded (good rows published), rejected (row "
                "errors), superseded (loaded rows replaced by a later row of the same file)",
                {"outcome"}),
      r.counter("skillsync_source_read_bytes_total", "Bytes read from sources (S3 object bodies)")
          .with({}),
      r.counter("skillsync_s3_requests_total",
                "Requests sent to S3, by method and HTTP status (or transport failure)",
                {"method", "status"}),
      r.counter("skillsync_s3_retries_total", "S3 requests retried after a transient failure")
          .with({}),
      r.counter("skillsync_http_requests_total",
                "HTTP requests answered, by method, route template and status",
                {"method", "route", "status"}),
      r.histogram("skillsync_http_request_duration_seconds",
                  "Time to handle an HTTP request, by method and route template",
                  {"method", "route"}, kHttpDurationBuckets),
      r.counter("skillsync_store_errors_total",
                "Store calls that failed in the database, by backend and code",
                {"backend", "code"}),
  };
  for (const char* outcome : {"loaded", "rejected", "superseded"}) m.rows.with({outcome});
  return m;
}

}  // namespace

SkillsyncMetrics& skillsync() {
  static SkillsyncMetrics* m = new SkillsyncMetrics(make());  // lives until exit
  return *m;
}

void record_task_end(std::string_view entity_type, std::string_view status, double seconds,
                     uint64_t rows_loaded, uint64_t rows_rejected, uint64_t rows_superseded) {
  SkillsyncMetrics& m = skillsync();
  m.tasks_finished.with({entity_type, status}).inc();
  if (seconds >= 0) m.task_duration.with({entity_type}).observe(seconds);
  if (rows_loaded > 0) m.rows.with({"loaded"}).inc(rows_loaded);
  if (rows_rejected > 0) m.rows.with({"rejected"}).inc(rows_rejected);
  if (rows_superseded > 0) m.rows.with({"superseded"}).inc(rows_superseded);
}

void record_store_error(std::string_view backend, std::string_view code) {
  skillsync().store_errors.with({backend, code}).inc();
}

}  // namespace skillsync::metrics
