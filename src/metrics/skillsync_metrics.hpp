// skillsync's own metrics: every name, help text and label set in one
// place (the README's "Operating skillsync" lists them), registered in
// default_registry() on first use.
//
// Label values come from closed sets only: entity types of the registry,
// task statuses, row outcomes, HTTP methods and statuses, route templates
// ("/integrations/file-load-tasks/{task_id}", never a raw path), S3 status
// codes or transport error codes, store error codes.
#pragma once

#include <string_view>

#include "metrics/metrics.hpp"

namespace skillsync::metrics {

struct SkillsyncMetrics {
  // skillsync_tasks_finished_total{entity_type, status}
  Family<Counter>& tasks_finished;
  // skillsync_task_duration_seconds{entity_type}: first claim to end
  Family<Histogram>& task_duration;
  // skillsync_rows_total{outcome}: loaded, rejected, superseded
  Family<Counter>& rows;
  // skillsync_source_read_bytes_total: bytes received from sources (S3 bodies)
  Counter& source_read_bytes;
  // skillsync_s3_requests_total{method, status}: status is the HTTP status
  // code, or the transport failure (connection_failed, timeout, tls_error,
  // cancelled)
  Family<Counter>& s3_requests;
  // skillsync_s3_retries_total: backoffs before another attempt
  Counter& s3_retries;
  // skillsync_http_requests_total{method, route, status}
  Family<Counter>& http_requests;
  // skillsync_http_request_duration_seconds{method, route}
  Family<Histogram>& http_duration;
  // skillsync_store_errors_total{backend, code}: storage_busy, storage_error
  Family<Counter>& store_errors;
};

// The metrics above, registered (with skillsync_build_info) on first call.
SkillsyncMetrics& skillsync();

// Counts one finished task of `entity_type` with `status`, its duration
// (seconds, < 0 when unknown: not observed) and its rows.
void record_task_end(std::string_view entity_type, std::string_view status, double seconds,
                     uint64_t rows_loaded, uint64_t rows_rejected, uint64_t rows_superseded);

// Counts one failed store call of `backend` ("sqlite", "postgres").
void record_store_error(std::string_view backend, std::string_view code);

}  // namespace skillsync::metrics
