// docs/errors.md, rendered from the error catalog (error_catalog.cpp), and
// the catalog's lookup by code.
//
// Contract: deterministic (the same catalog always renders the same bytes),
// so tests/schema/docs_test.cpp can compare the committed file byte for byte.
#include <string>
#include <utility>

#include "schema/docs.hpp"

namespace skillsync::schema {

namespace {

// The names of the ErrorWhere bits, in the order the intro explains them.
constexpr std::pair<unsigned, std::string_view> kWhereNames[] = {
    {kRowError, "row"},       {kTaskError, "task"},   {kApiDetail, "API 422 detail"},
    {kApiError, "API error"}, {kOAuthError, "OAuth"}, {kSourceError, "source"},
    {kDelivery, "webhook"},   {kCommand, "command"},  {kInternal, "internal"}};

std::string where_text(unsigned where) {
  std::string out;
  for (const auto& [bit, name] : kWhereNames) {
    if ((where & bit) == 0) continue;
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

// The page's opening: what a code is, and where each kind appears.
constexpr std::string_view kIntro =
    "# Error codes\n\n"
    "<!-- Generated from the error catalog (src/schema/error_catalog.cpp) by\n"
    "     skillsync::schema::render_errors_markdown(). Do not edit by hand: change the\n"
    "     catalog, then run `cmake --build <build-dir> --target render_docs && "
    "<build-dir>/src/schema/render_docs`. -->\n\n"
    "Every error skillsync reports carries a stable snake_case `code` (S3's own codes "
    "keep S3's spelling) and a plain `message`. Codes never change meaning; messages may "
    "be reworded. Where a code appears:\n\n"
    "- **row**: a rejected row of a File Load Task: `row_errors` of the task status (the "
    "first 100), the error report `GET /integrations/file-load-tasks/{task_id}/errors`, "
    "and its `error_code` column in the CSV form. The row is skipped; the rest of the file "
    "still loads (unless `on_error` is `abort`).\n"
    "- **task**: `error.code` of a `failed` task. Nothing of the file is stored.\n"
    "- **API 422 detail**: `details[].code` of a `422 invalid_fields` response, one per "
    "invalid field.\n"
    "- **API error**: `error.code` of an HTTP error response.\n"
    "- **OAuth**: `error` of a `POST /oauth/token` error answer (RFC 6749).\n"
    "- **source**: `last_error` of a source in status `error`, as `code: message`.\n"
    "- **webhook**: `error` of a webhook delivery attempt.\n"
    "- **command**: why `serve`, `worker`, `keys`, `clients` or a CLI command stops; it "
    "prints the message on stderr and exits non-zero.\n"
    "- **internal**: never the code of an answer: skillsync branches on it, or writes it "
    "to the server log. Listed so that every code has a meaning.\n\n"
    "Rows superseded by a later row with the same (`employee_external_id`, "
    "`external_id`) in the same file are not errors: the task status counts them. Other "
    "S3 error codes are passed through as S3 sends them.\n\n";

}  // namespace

const ErrorCodeInfo* find_error_code(std::string_view code) {
  for (const ErrorCodeInfo& e : error_catalog()) {
    if (e.code == code) return &e;
  }
  return nullptr;
}

std::string render_errors_markdown() {
  std::string out(kIntro);
  out += "| code | where | meaning |\n|---|---|---|\n";
  for (const ErrorCodeInfo& e : error_catalog()) {
    out += "| `" + std::string(e.code) + "` | " + where_text(e.where) + " | " +
           std::string(e.meaning) + " |\n";
  }
  return out;
}

}  // namespace skillsync::schema
