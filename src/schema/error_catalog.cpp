// The catalog of stable error codes, and docs/errors.md rendered from it.
//
// Codes come from several modules (csv, schema, tasks, source, api); they are
// listed here, as data, because the schema module is the one every path to
// the user goes through and the docs are generated from one place. A unit
// test checks that every code schema can emit is listed.
#include <array>

#include "schema/docs.hpp"

namespace skillsync::schema {

namespace {

constexpr unsigned kRowAndApi = kRowError | kApiDetail;

constexpr std::array kCatalog = {
    // --- Rows: the CSV reader ---------------------------------------------
    ErrorCodeInfo{"wrong_field_count", kRowError,
                  "The row has more or fewer fields than the header."},
    ErrorCodeInfo{"unterminated_quote", kRowError,
                  "A quoted field never closes: the file ends inside quotes, or the record grows "
                  "past the record limit inside quotes. Reading resumes at the line after the "
                  "row's first line."},
    ErrorCodeInfo{"unexpected_quote", kRowError,
                  "A quote inside an unquoted field, or text after a closing quote. The rest of "
                  "that line is skipped."},
    ErrorCodeInfo{"field_too_long", kRowError,
                  "A field is longer than the field limit (64 KiB by default)."},
    ErrorCodeInfo{"record_too_long", kRowError,
                  "A record is longer than the record limit (1 MiB by default)."},
    ErrorCodeInfo{"invalid_utf8", kRowAndApi,
                  "Bytes that are not UTF-8 (in a CSV file, after conversion from its "
                  "`encoding`), or a text value of the API that is not UTF-8."},
    // --- Rows and API bodies: field checks (schema) ------------------------
    ErrorCodeInfo{"nul_character", kRowAndApi,
                  "A text value holds a NUL character (U+0000, a zero byte). It is valid UTF-8, "
                  "but PostgreSQL cannot store it in text, so the row is rejected; the message "
                  "names the column and the byte."},
    ErrorCodeInfo{"required", kRowAndApi,
                  "A required column or field is empty or absent (an empty CSV field, JSON "
                  "`null` and `\"\"` all count as absent)."},
    ErrorCodeInfo{"invalid_external_id", kRowAndApi,
                  "An id is not 1-100 characters of `A-Z a-z 0-9 _ -`."},
    ErrorCodeInfo{"invalid_language", kRowAndApi, "`language` is not one of `auto nl fr en de`."},
    ErrorCodeInfo{"invalid_timestamp", kRowAndApi,
                  "Not an ISO 8601 date or date-time with a zone; the message says what is wrong "
                  "(\"month 13\", \"a zone like Z or +02:00 is required\")."},
    ErrorCodeInfo{"invalid_date", kRowAndApi,
                  "A date column is not a real calendar date `YYYY-MM-DD`."},
    ErrorCodeInfo{"invalid_value", kRowAndApi,
                  "An enum column holds a value that is not one of its allowed values (listed in "
                  "the message and in `docs/entities.md`)."},
    ErrorCodeInfo{"invalid_url", kRowAndApi,
                  "A URL column is not an `http://` or `https://` link with a host, or holds "
                  "spaces."},
    ErrorCodeInfo{"too_long", kRowAndApi,
                  "A value is longer than its column's byte limit (see `docs/entities.md`)."},
    ErrorCodeInfo{"invalid_date_range", kRowAndApi,
                  "An end date is before its start date (e.g. `end_date` before `start_date`); "
                  "reported on the later column."},
    ErrorCodeInfo{"missing_content", kRowAndApi,
                  "None of the entity's one-of groups is complete (for `learning`: neither "
                  "`course_id` nor both `learning_title` and `learning_description`)."},
    ErrorCodeInfo{"event_type_mismatch", kRowError,
                  "The row's `event_type` column differs from the task's `entity_type`."},
    // --- API bodies ----------------------------------------------------------
    ErrorCodeInfo{"invalid_type", kApiDetail,
                  "A JSON value has the wrong type (every event and content value is a string; "
                  "`content` is an object)."},
    ErrorCodeInfo{"unknown_field", kApiDetail,
                  "A field the request or the entity's `content` does not know: a typo is never "
                  "silently dropped."},
    ErrorCodeInfo{"unknown_event_type", kApiDetail, "`event_type` is not a known entity type."},
    ErrorCodeInfo{"unknown_entity_type", kApiDetail | kTaskError,
                  "A File Load Task's `entity_type` is not a known entity type."},
    ErrorCodeInfo{"unsupported_method", kApiDetail,
                  "A File Load Task's `method` is not `s3_iam_user`."},
    ErrorCodeInfo{"invalid_uri", kApiDetail, "`uri` is not `s3://<bucket>/<key>`."},
    ErrorCodeInfo{"invalid_option", kApiDetail,
                  "An `options.*` value of a File Load Task is not allowed (`on_error`, "
                  "`max_rejected_rows`, `delimiter`, `quote`, `encoding`); the message lists the "
                  "allowed values."},
    ErrorCodeInfo{"invalid_region", kApiDetail, "`region` is not an AWS region name."},
    ErrorCodeInfo{"invalid_limit", kApiDetail, "`limit` is not a number from 1 to 1000."},
    ErrorCodeInfo{"invalid_cursor", kApiDetail,
                  "`cursor` is not a `next_cursor` this list returned."},
    // --- Tasks: the header -------------------------------------------------
    ErrorCodeInfo{"missing_columns", kTaskError,
                  "The header lacks required columns, or the columns of every one-of group; the "
                  "message names them. Nothing is loaded."},
    ErrorCodeInfo{"duplicate_columns", kTaskError,
                  "The header names a column twice; the message names it. Nothing is loaded."},
    ErrorCodeInfo{"unknown_columns", kTaskError,
                  "The header has columns the entity does not know (a typo such as "
                  "`employe_external_id`); the message names them. Allow them with the option "
                  "`ignore_unknown_columns`. Nothing is loaded."},
    // --- Tasks: the file and the error policy --------------------------------
    ErrorCodeInfo{"empty_file", kTaskError,
                  "The file has 0 bytes, so not even a header. (A header-only file completes "
                  "with 0 rows.)"},
    ErrorCodeInfo{"invalid_header", kTaskError,
                  "The header row itself is malformed (broken quoting, invalid UTF-8, too long)."},
    ErrorCodeInfo{"invalid_encoding", kTaskError,
                  "The file cannot be read in the task's `encoding` (e.g. `utf-16` without a "
                  "byte-order mark)."},
    ErrorCodeInfo{"too_many_rejected_rows", kTaskError,
                  "More rows were rejected than the option `max_rejected_rows` allows. Nothing "
                  "of the file is stored."},
    ErrorCodeInfo{"rejected_rows_abort", kTaskError,
                  "A row was rejected and the option `on_error` is `abort`. Nothing of the file "
                  "is stored."},
    ErrorCodeInfo{"credentials_unreadable", kTaskError,
                  "The task's stored credentials cannot be opened (the server's master key "
                  "changed). Create the task again."},
    // --- Tasks: reading from S3 ---------------------------------------------
    ErrorCodeInfo{"connection_failed", kTaskError,
                  "S3 could not be reached, or closed the connection, after retries."},
    ErrorCodeInfo{"timeout", kTaskError, "S3 stopped sending data, after retries."},
    ErrorCodeInfo{"tls_error", kTaskError, "The TLS connection to S3 failed."},
    ErrorCodeInfo{"bad_response", kTaskError, "S3 answered something that breaks the protocol."},
    ErrorCodeInfo{"decompress_failed", kTaskError,
                  "The object looks gzip- or zstd-compressed (by its first bytes) but is corrupt "
                  "or truncated; the message gives the compressed byte offset."},
    ErrorCodeInfo{"object_changed", kTaskError,
                  "The object was replaced in S3 while the task read it (its ETag changed). "
                  "Nothing of the file is stored; run the task again."},
    ErrorCodeInfo{"NoSuchKey", kTaskError, "S3: the object does not exist."},
    ErrorCodeInfo{"NoSuchBucket", kTaskError, "S3: the bucket does not exist."},
    ErrorCodeInfo{"AccessDenied", kTaskError,
                  "S3: the credentials may not read the object (check the IAM policy)."},
    ErrorCodeInfo{"SignatureDoesNotMatch", kTaskError,
                  "S3: the secret access key is wrong for the access key id."},
    ErrorCodeInfo{"InvalidAccessKeyId", kTaskError, "S3: the access key id does not exist."},
    ErrorCodeInfo{"InvalidToken", kTaskError, "S3: the session token is malformed or invalid."},
    ErrorCodeInfo{"ExpiredToken", kTaskError,
                  "S3: the temporary credentials expired before the task ran."},
    // --- API responses -------------------------------------------------------
    ErrorCodeInfo{"invalid_fields", kApiError,
                  "422: a field is missing or invalid; `details` names each one with its own "
                  "code."},
    ErrorCodeInfo{"malformed_json", kApiError, "400: the body is not JSON, or not an object."},
    ErrorCodeInfo{"malformed_request", kApiError, "400: the request is not valid HTTP."},
    ErrorCodeInfo{"unauthenticated", kApiError, "401: missing or unknown API key."},
    ErrorCodeInfo{"forbidden", kApiError,
                  "403: the API key lacks the scope the request needs (`read` for GET, `write` "
                  "for the rest)."},
    ErrorCodeInfo{"not_found", kApiError, "404: no such event, task or endpoint."},
    ErrorCodeInfo{"method_not_allowed", kApiError, "405: the path exists, the method does not."},
    ErrorCodeInfo{"body_too_large", kApiError, "413: the body is over `--max-body-bytes`."},
    ErrorCodeInfo{"uri_too_long", kApiError, "414: the request target is over 8 KiB."},
    ErrorCodeInfo{"rate_limited", kApiError,
                  "429: the API key sent more requests than `--rate-limit` allows; retry after "
                  "the `Retry-After` seconds."},
    ErrorCodeInfo{"unsupported_media_type", kApiError,
                  "415: a body that is not `application/json`."},
    ErrorCodeInfo{"headers_too_large", kApiError, "431: request headers over 16 KiB."},
    ErrorCodeInfo{"internal", kApiError,
                  "500: a bug or a storage failure; logged on the server, details never "
                  "returned."},
};

std::string where_text(unsigned where) {
  static constexpr std::pair<unsigned, std::string_view> kNames[] = {{kRowError, "row"},
                                                                     {kTaskError, "task"},
                                                                     {kApiDetail, "API 422 detail"},
                                                                     {kApiError, "API error"}};
  std::string out;
  for (const auto& [bit, name] : kNames) {
    if ((where & bit) == 0) continue;
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

}  // namespace

std::span<const ErrorCodeInfo> error_catalog() { return kCatalog; }

const ErrorCodeInfo* find_error_code(std::string_view code) {
  for (const ErrorCodeInfo& e : kCatalog) {
    if (e.code == code) return &e;
  }
  return nullptr;
}

std::string render_errors_markdown() {
  std::string out;
  out += "# Error codes\n\n";
  out +=
      "<!-- Generated from the error catalog (src/schema/error_catalog.cpp) by\n"
      "     skillsync::schema::render_errors_markdown(). Do not edit by hand: change the\n"
      "     catalog, then run `cmake --build <build-dir> --target render_docs && "
      "<build-dir>/src/schema/render_docs`. -->\n\n";
  out +=
      "Every error skillsync reports carries a stable snake_case `code` (S3's own codes "
      "keep S3's spelling) and a plain `message`. Codes never change meaning; messages may "
      "be reworded. Where a code appears:\n\n";
  out +=
      "- **row**: a rejected row of a File Load Task: `row_errors` of the task status (the "
      "first 100), the error report `GET /integrations/file-load-tasks/{task_id}/errors`, "
      "and its `error_code` column in the CSV form. The row is skipped; the rest of the file "
      "still loads (unless `on_error` is `abort`).\n";
  out += "- **task**: `error.code` of a `failed` task. Nothing of the file is stored.\n";
  out +=
      "- **API 422 detail**: `details[].code` of a `422 invalid_fields` response, one per "
      "invalid field.\n";
  out += "- **API error**: `error.code` of an HTTP error response.\n\n";
  out +=
      "Rows superseded by a later row with the same (`employee_external_id`, "
      "`external_id`) in the same file are not errors: the task status counts them. Other "
      "S3 error codes are passed through as S3 sends them.\n\n";
  out += "| code | where | meaning |\n|---|---|---|\n";
  for (const ErrorCodeInfo& e : kCatalog) {
    out += "| `" + std::string(e.code) + "` | " + where_text(e.where) + " | " +
           std::string(e.meaning) + " |\n";
  }
  return out;
}

}  // namespace skillsync::schema
