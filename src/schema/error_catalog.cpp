// The catalog of stable error codes: the data docs/errors.md is rendered from
// (errors_markdown.cpp).
//
// Codes come from every module (csv, schema, tasks, source, api, auth,
// notify, sources, app, client); they are listed here, as data, because the
// schema module is the one every path to the user goes through and the docs
// are generated from one place. tests/schema/error_catalog_test.cpp fails
// when a code written in src/ (or an Errc) is missing here.
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
    ErrorCodeInfo{"invalid_url", kRowAndApi | kDelivery,
                  "A URL column is not an `http://` or `https://` link with a host, or holds "
                  "spaces; or a webhook `url` is not an absolute `https` URL without user info "
                  "or fragment."},
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
    ErrorCodeInfo{"access_check_failed", kApiDetail,
                  "The `credentials` of a new or changed source cannot list its prefix; the "
                  "message carries S3's answer (e.g. `AccessDenied`). Fix the IAM policy or the "
                  "keys and send it again. (A new task that cannot read its object gets S3's "
                  "own code on `uri` instead.)"},
    ErrorCodeInfo{"not_allowed", kApiDetail,
                  "A field that cannot be set here: `credentials` or `region` with "
                  "`s3_presigned_url`, or a source's `entity_type`, `method`, `uri` or "
                  "`region` in a `PATCH`."},
    ErrorCodeInfo{"invalid_presigned_url", kApiDetail,
                  "`uri` of an `s3_presigned_url` task is not a presigned S3 GET URL over "
                  "`https` of an AWS S3 host (or of the server's S3 endpoint)."},
    ErrorCodeInfo{"invalid_status", kApiDetail,
                  "The `status` filter of a task list is not a task status."},
    ErrorCodeInfo{"invalid_pattern", kApiDetail,
                  "A source's `pattern` is not a valid glob (the message says where)."},
    ErrorCodeInfo{"invalid_duration", kApiDetail,
                  "A source's `schedule.every` is not a duration like `15m` or `1h30m` from "
                  "10 seconds to 31 days."},
    ErrorCodeInfo{"duplicate_event_type", kApiDetail,
                  "A webhook's `event_types` names an event type twice."},
    ErrorCodeInfo{"invalid_description", kApiDetail,
                  "A webhook's `description` is not a string of at most 500 characters."},
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
    ErrorCodeInfo{"no_objects", kTaskError,
                  "The task's `uri` is a prefix (it ends in `/`) and no object lies under it. "
                  "Upload the files, or fix the prefix, then create the task again."},
    ErrorCodeInfo{"header_mismatch", kTaskError,
                  "A task reading several files (a prefix) met a file whose header differs from "
                  "the first file's; the message names the file and the first difference. "
                  "Nothing is loaded. Give every file the same header, or load them one by one."},
    ErrorCodeInfo{"too_many_objects", kTaskError | kSourceError,
                  "The prefix holds more objects than one listing takes (the message gives the "
                  "limit). Use a narrower prefix."},
    ErrorCodeInfo{"credentials_erased", kTaskError | kSourceError,
                  "The stored credentials were erased (a task's are, once it ends), so the "
                  "object cannot be read again. Create a new task with credentials."},
    ErrorCodeInfo{"invalid_options", kTaskError | kInternal,
                  "The task's stored options do not parse (written by another version of "
                  "skillsync). Create the task again."},
    ErrorCodeInfo{"storage_error", kTaskError | kInternal,
                  "A database call failed (SQLite or PostgreSQL; the message says which). The "
                  "API answers `internal`; a load fails with it. Check the database (disk "
                  "space, connections, its log)."},
    ErrorCodeInfo{"credentials_unreadable", kTaskError | kSourceError,
                  "The stored credentials of the task (or source) cannot be opened (the "
                  "server's master key changed). Create the task again; give the source new "
                  "`credentials` with a `PATCH`."},
    // --- Tasks: reading from S3 ---------------------------------------------
    ErrorCodeInfo{"connection_failed", kTaskError,
                  "S3 could not be reached, or closed the connection, after retries."},
    ErrorCodeInfo{"timeout", kTaskError | kDelivery,
                  "S3 stopped sending data, after retries; or a webhook endpoint did not answer "
                  "in time (the delivery is retried)."},
    ErrorCodeInfo{"tls_error", kTaskError, "The TLS connection to S3 failed."},
    ErrorCodeInfo{"bad_response", kTaskError, "S3 answered something that breaks the protocol."},
    ErrorCodeInfo{"decompress_failed", kTaskError,
                  "The object looks gzip- or zstd-compressed (by its first bytes) but is corrupt "
                  "or truncated; the message gives the compressed byte offset."},
    ErrorCodeInfo{"object_changed", kTaskError,
                  "The object was replaced in S3 while the task read it (its ETag changed). "
                  "Nothing of the file is stored; run the task again."},
    ErrorCodeInfo{"NoSuchKey", kTaskError, "S3: the object does not exist."},
    ErrorCodeInfo{"NoSuchBucket", kTaskError | kSourceError, "S3: the bucket does not exist."},
    ErrorCodeInfo{"AccessDenied", kTaskError | kSourceError,
                  "S3: the credentials may not read the object (check the IAM policy)."},
    ErrorCodeInfo{"SignatureDoesNotMatch", kTaskError | kSourceError,
                  "S3: the secret access key is wrong for the access key id."},
    ErrorCodeInfo{"InvalidAccessKeyId", kTaskError | kSourceError,
                  "S3: the access key id does not exist."},
    ErrorCodeInfo{"InvalidToken", kTaskError | kSourceError,
                  "S3: the session token is malformed or invalid."},
    ErrorCodeInfo{"ExpiredToken", kTaskError | kSourceError,
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
    ErrorCodeInfo{"not_found", kApiError,
                  "404: no such event, task, source, webhook or endpoint (another tenant's "
                  "count as absent)."},
    ErrorCodeInfo{"method_not_allowed", kApiError, "405: the path exists, the method does not."},
    ErrorCodeInfo{"invalid_state", kApiError,
                  "409: the task or source is in a state that forbids the request (cancel a "
                  "finished task, `run` a paused source); the message says which."},
    ErrorCodeInfo{"idempotency_conflict", kApiError,
                  "409: the `Idempotency-Key` was used with another body in the last 24 hours. "
                  "Use a new key for a new request."},
    ErrorCodeInfo{"body_too_large", kApiError, "413: the body is over `--max-body-bytes`."},
    ErrorCodeInfo{"uri_too_long", kApiError, "414: the request target is over 8 KiB."},
    ErrorCodeInfo{"rate_limited", kApiError,
                  "429: the API key sent more requests than `--rate-limit` allows; retry after "
                  "the `Retry-After` seconds."},
    ErrorCodeInfo{"too_many_failed_authentications", kApiError,
                  "429: this address failed to authenticate too often; retry after the "
                  "`Retry-After` seconds with a valid key."},
    ErrorCodeInfo{"too_many_downloads", kApiError,
                  "429: the API key is downloading the most error reports at once that it may; "
                  "retry when one has ended."},
    ErrorCodeInfo{"unsupported_transfer_encoding", kApiError,
                  "400: a `Transfer-Encoding` other than `chunked`, or one together with "
                  "`Content-Length`."},
    ErrorCodeInfo{"unsupported_media_type", kApiError,
                  "415: a body that is not `application/json`."},
    ErrorCodeInfo{"headers_too_large", kApiError, "431: request headers over 16 KiB."},
    ErrorCodeInfo{"internal", kApiError,
                  "500: a bug or a storage failure; logged on the server, details never "
                  "returned."},
    ErrorCodeInfo{"server_busy", kApiError,
                  "503: too many request bodies are in flight; retry later."},
    ErrorCodeInfo{"unavailable", kApiError,
                  "503: this process does not serve the route (webhooks or sources are not "
                  "configured in it); send it to a process that runs them."},
    // --- OAuth token answers (RFC 6749) ------------------------------------
    ErrorCodeInfo{"invalid_request", kOAuthError,
                  "The token request is malformed: a missing `grant_type`, a parameter "
                  "given twice, bad Basic credentials, both Basic and body credentials, or a "
                  "`tenant` that is not the client's."},
    ErrorCodeInfo{"invalid_client", kOAuthError,
                  "The client id is unknown or revoked, or the secret is wrong (401)."},
    ErrorCodeInfo{"invalid_scope", kOAuthError,
                  "A requested scope is unknown or not granted to the client."},
    ErrorCodeInfo{"unsupported_grant_type", kOAuthError,
                  "`grant_type` is not `client_credentials`."},
    // --- Sources: `last_error` -------------------------------------------
    ErrorCodeInfo{"tasks_failing", kSourceError,
                  "The source's last `max_consecutive_failures` tasks all failed. Read their "
                  "`error`, fix the cause, then `resume` the source."},
    ErrorCodeInfo{"invalid_source", kSourceError,
                  "The source's stored `pattern` or `uri` no longer parses (written by another "
                  "version). Delete the source and create it again."},
    // --- Webhook deliveries: an attempt's `error` ---------------------------
    ErrorCodeInfo{"resolve_failed", kDelivery,
                  "The endpoint's host name did not resolve. Retried."},
    ErrorCodeInfo{"connect_failed", kDelivery, "No TCP connection to the endpoint. Retried."},
    ErrorCodeInfo{"tls_failed", kDelivery,
                  "The TLS handshake with the endpoint failed (certificate, protocol). Retried."},
    ErrorCodeInfo{"send_failed", kDelivery,
                  "The request could not be sent, or the answer not read. Retried."},
    ErrorCodeInfo{"forbidden_url", kDelivery,
                  "The endpoint's URL is plain `http`, which only hosts the operator allows "
                  "with `--webhook-allow-host` may use. Use `https`."},
    ErrorCodeInfo{"forbidden_address", kDelivery,
                  "The endpoint's host resolves to a private, loopback or link-local "
                  "address, which deliveries never reach unless `--webhook-allow-host` "
                  "allows the host."},
    ErrorCodeInfo{"endpoint_disabled", kDelivery,
                  "The endpoint was disabled; the event is given up. `PATCH` it with "
                  "`enabled: true` and redeliver."},
    ErrorCodeInfo{"endpoint_gone", kDelivery, "The endpoint was deleted; the event is given up."},
    ErrorCodeInfo{"key_unreadable", kDelivery,
                  "The endpoint's signing key cannot be opened with this master key (the key "
                  "changed). Rotate the endpoint's key."},
    ErrorCodeInfo{"invalid_event", kDelivery | kInternal,
                  "A queued event's data is not a JSON object (a bug); the event is given "
                  "up."},
    ErrorCodeInfo{"sign_failed", kDelivery | kInternal,
                  "Signing the delivery with Ed25519 failed (a bug or a broken crypto "
                  "library)."},
    // --- Commands: why `serve`, `worker`, `keys`, `clients` or the CLI stop --
    ErrorCodeInfo{"invalid_listen", kCommand,
                  "`--listen` (or `--metrics-listen`) is not `host:port` with a valid "
                  "address and port."},
    ErrorCodeInfo{"invalid_tls", kCommand,
                  "`--tls-cert` without `--tls-key` (or the reverse), or files that do not "
                  "load as a PEM certificate chain and its key."},
    ErrorCodeInfo{"listen_failed", kCommand,
                  "The address cannot be bound (in use, or not this machine's)."},
    ErrorCodeInfo{"invalid_argument", kCommand | kInternal,
                  "A command-line value is not valid (a scope, an allowed host, a public URL); "
                  "the message names the flag. Inside skillsync: a call got an argument it "
                  "refuses (a bug)."},
    ErrorCodeInfo{"io_error", kCommand,
                  "A file (master key, credentials, output) cannot be read or written; the "
                  "message names it."},
    ErrorCodeInfo{"insecure_master_key", kCommand,
                  "The master key file is readable by group or others: `chmod 600` it."},
    ErrorCodeInfo{"bad_master_key", kCommand,
                  "The master key file does not hold exactly 32 bytes."},
    ErrorCodeInfo{"master_key_mismatch", kCommand,
                  "The master key is not the one the store's secrets are sealed with: give "
                  "every process the same key file (or rotate as `docs/security.md` says)."},
    ErrorCodeInfo{"weak_bootstrap_key", kCommand,
                  "`SKILLSYNC_BOOTSTRAP_API_KEY` is too easy to guess; the message says what "
                  "a key needs."},
    ErrorCodeInfo{"schema_too_new", kCommand,
                  "The database was migrated by a newer skillsync; run that version."},
    ErrorCodeInfo{"invalid_endpoint", kCommand, "`--s3-endpoint` is not `http(s)://host[:port]`."},
    ErrorCodeInfo{"usage", kCommand,
                  "The CLI was called with wrong or missing arguments (exit code 64); the "
                  "message says what to pass."},
    ErrorCodeInfo{"unreachable", kCommand,
                  "The CLI cannot reach the skillsync server (`--server`); is it running?"},
    ErrorCodeInfo{"no_credentials", kCommand,
                  "The CLI found no AWS keys for the task (flags, environment, or the "
                  "`~/.aws` profile)."},
    ErrorCodeInfo{"unsupported_profile", kCommand,
                  "The AWS profile gets its keys through a process skillsync does not run "
                  "(SSO, a role); export temporary keys instead."},
    // --- Internal: never an answer's code; in the server log at most -----------
    ErrorCodeInfo{"lease_lost", kInternal,
                  "Another worker took over the task or source (its lease ran out); this "
                  "worker lets go."},
    ErrorCodeInfo{"cancelled", kInternal,
                  "A read or a load stopped because the task was cancelled or the process is "
                  "stopping."},
    ErrorCodeInfo{"storage_busy", kInternal,
                  "The database is busy (no free connection, a lock or a serialization "
                  "conflict); the operation is retried."},
    ErrorCodeInfo{"already_exists", kInternal,
                  "A create met an existing id or name (an API key added by another "
                  "process at the same time)."},
    ErrorCodeInfo{"invalid_token", kInternal,
                  "A bearer token is malformed or its signature is wrong; the API answers "
                  "`unauthenticated`."},
    ErrorCodeInfo{"expired_token", kInternal,
                  "A bearer token expired; the API answers `unauthenticated`. Get a new one "
                  "from `POST /oauth/token`."},
    ErrorCodeInfo{"revoked_client", kInternal,
                  "A bearer token's OAuth client was revoked; the API answers "
                  "`unauthenticated`."},
    ErrorCodeInfo{"bad_key", kInternal, "A sealing key is not 32 bytes (a bug)."},
    ErrorCodeInfo{"decrypt_failed", kInternal,
                  "Sealed data does not open with the key (reported as "
                  "`credentials_unreadable` or `key_unreadable`)."},
    ErrorCodeInfo{"invalid_key", kInternal,
                  "A webhook signing key is not a 32-byte Ed25519 seed (a bug or a corrupt "
                  "row)."},
    ErrorCodeInfo{"invalid_base64", kInternal,
                  "Base64url text (a token part, a list cursor, a stored hash) does not "
                  "decode; the caller answers with its own code (`invalid_token`, "
                  "`invalid_cursor`, ...)."},
    ErrorCodeInfo{"invalid_dialect", kInternal,
                  "The CSV delimiter and quote are equal or a line break (the API refuses such "
                  "options before, as `invalid_option`)."},
    ErrorCodeInfo{"invalid_entity", kInternal,
                  "An entity definition of the registry is inconsistent (a bug, caught at "
                  "start-up by the tests)."},
    ErrorCodeInfo{"unsupported_source", kInternal,
                  "An object opener was asked for something it cannot open (a test fake)."},
};

}  // namespace

std::span<const ErrorCodeInfo> error_catalog() { return kCatalog; }

}  // namespace skillsync::schema
