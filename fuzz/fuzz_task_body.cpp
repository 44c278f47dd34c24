// fuzz_task_body: a POST /integrations/file-load-tasks body, as the API
// reads it: boost::json::parse, then tasks::parse_create_request.
//
// Checks:
//   - nothing crashes or throws, whatever the JSON;
//   - a rejected body is reported with at least one FieldError, an accepted
//     one with none;
//   - an accepted body is either s3_iam_user, with a URI parse_s3_uri accepts
//     and credentials, or s3_presigned_url, with an http(s) URL that has a
//     query (the signature), no credentials, and a stored uri without that
//     query (the secret); and its options' dialect is one the CSV reader
//     accepts;
//   - its options survive the trip through storage: load_options_from_json
//     of to_json gives the same options, and to_json of those the same text;
//   - load_options_from_json of the raw input (a damaged stored row) never
//     crashes, and what it accepts round-trips too.
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_util.hpp"
#include "source/s3/s3.hpp"
#include "tasks/load_options.hpp"
#include "tasks/tasks.hpp"

namespace skillsync::fuzz {
namespace {

bool same_options(const tasks::LoadOptions& a, const tasks::LoadOptions& b) {
  return a.on_error == b.on_error && a.max_rejected_rows == b.max_rejected_rows &&
         a.dry_run == b.dry_run && a.ignore_unknown_columns == b.ignore_unknown_columns &&
         a.validate_access == b.validate_access && a.delimiter == b.delimiter &&
         a.quote == b.quote && a.encoding == b.encoding;
}

void check_round_trip(const tasks::LoadOptions& options) {
  const std::string stored = tasks::to_json(options);
  Result<tasks::LoadOptions> back = tasks::load_options_from_json(stored);
  FUZZ_CHECK(back.ok(), "stored options do not load: " + stored + ": " +
                            (back.ok() ? std::string() : back.error().message));
  FUZZ_CHECK(same_options(options, *back), "options changed through storage: " + stored);
  FUZZ_CHECK(tasks::to_json(*back) == stored, "to_json is not stable: " + stored);
}

void check_dialect(const tasks::LoadOptions& options) {
  const csv::Dialect d = options.dialect();
  FUZZ_CHECK(d.delimiter != d.quote && d.delimiter != '\r' && d.delimiter != '\n' &&
                 d.quote != '\r' && d.quote != '\n',
             "accepted options give a dialect the CSV reader refuses: " + tasks::to_json(options));
}

}  // namespace
}  // namespace skillsync::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace skillsync;
  using namespace skillsync::fuzz;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  // A stored options row is read back with load_options_from_json.
  Result<tasks::LoadOptions> stored = tasks::load_options_from_json(text);
  if (stored.ok()) {
    check_dialect(*stored);
    check_round_trip(*stored);
  }

  boost::system::error_code ec;
  boost::json::value body = boost::json::parse(text, ec);
  if (ec) return 0;
  std::vector<schema::FieldError> errors;
  Result<tasks::CreateTaskRequest> req = tasks::parse_create_request(body, &errors);
  if (!req.ok()) {
    FUZZ_CHECK(req.error().code == "invalid_fields", req.error().code);
    FUZZ_CHECK(!errors.empty(), "a rejected body must name at least one field");
    for (const schema::FieldError& e : errors) {
      FUZZ_CHECK(!e.code.empty() && !e.message.empty(), "FieldError without code or message");
    }
    return 0;
  }
  FUZZ_CHECK(errors.empty(), "an accepted body came with FieldErrors: " + errors[0].message);
  if (req->method == tasks::kMethodS3PresignedUrl) {
    const std::string& url = req->presigned_url.reveal();
    FUZZ_CHECK(url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0,
               "accepted presigned URL without http(s)");
    FUZZ_CHECK(url.find('?') != std::string::npos, "accepted presigned URL without a query");
    FUZZ_CHECK(req->uri.find('?') == std::string::npos, "stored uri keeps the query");
    FUZZ_CHECK(req->credentials.access_key_id.empty(), "presigned task with credentials");
  } else {
    FUZZ_CHECK(req->method == tasks::kMethodS3IamUser, req->method);
    FUZZ_CHECK(source::s3::parse_s3_uri(req->uri).ok(), "accepted uri " + escape(req->uri));
    FUZZ_CHECK(!req->credentials.access_key_id.empty(), "accepted without an access key id");
    FUZZ_CHECK(!req->credentials.secret_access_key.reveal().empty(), "accepted without a secret");
  }
  check_dialect(req->options);
  check_round_trip(req->options);
  return 0;
}
