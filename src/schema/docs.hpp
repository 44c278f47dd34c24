// schema docs: docs/entities.md and docs/errors.md, rendered from data.
//
// The entity registry and the catalog of error codes are the single source
// of docs/entities.md and docs/errors.md: the `render_docs` tool writes both
// files, and a unit test fails when the committed files differ from what
// these functions render, so the docs cannot drift from the code.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "schema/schema.hpp"

namespace skillsync::schema {

// The short name of a field type in the docs ("text", "date", "enum").
std::string_view field_type_name(FieldType type);

// docs/entities.md: the field types, the columns every event has, and per
// entity its content columns (name, required or optional, type, limits,
// allowed values, one-of groups, date ranges) with an example CSV header and
// row and the same example as API content. Deterministic: the same registry
// always renders the same bytes.
std::string render_entities_markdown();

// Where a user can meet an error code (bits; a code may appear in several).
enum ErrorWhere : unsigned {
  kRowError = 1,      // a rejected row: task status row_errors and the error report
  kTaskError = 2,     // `error.code` of a failed task
  kApiDetail = 4,     // `details[].code` of a 422 response
  kApiError = 8,      // `error.code` of an HTTP error response
  kOAuthError = 16,   // `error` of a POST /oauth/token answer (RFC 6749)
  kSourceError = 32,  // `last_error` of a source in status `error`
  kDelivery = 64,     // `error` of a webhook delivery attempt
  kCommand = 128,     // why serve, worker, keys, clients or the CLI stop
  kInternal = 256,    // never an answer's code: branches, the server log
};

// One stable error code and what it means, in plain words for the user.
struct ErrorCodeInfo {
  std::string_view code;
  unsigned where = 0;  // ErrorWhere bits
  std::string_view meaning;
};

// Every stable error code skillsync emits (also those that stay inside it),
// grouped (row, header and task, S3, API, OAuth, sources, webhooks, commands,
// internal) in the order docs/errors.md lists them. Each code is listed once.
// tests/schema/error_catalog_test.cpp fails when a code in src/ is missing.
std::span<const ErrorCodeInfo> error_catalog();

// The catalog entry of `code`; nullptr when the code is not listed.
const ErrorCodeInfo* find_error_code(std::string_view code);

// docs/errors.md, rendered from error_catalog().
std::string render_errors_markdown();

}  // namespace skillsync::schema
