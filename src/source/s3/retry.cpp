// retry_with_budget, the S3 client's one retry loop, the Errors it words,
// and send_with_retries (one request whose success is a 2xx answer) on top
// of it. See retry.hpp.
#include "source/s3/retry.hpp"

#include <algorithm>

#include "source/s3/s3_internal.hpp"

namespace skillsync::source::s3::internal {
namespace {

using std::chrono::milliseconds;

// After a failure: nullopt when another attempt follows (the backoff was
// slept), else the Error that ends the operation.
std::optional<Error> after_failure(const RetryScope& s, Failure failure, int failures) {
  // A failure seen after a cancel is the cancel's doing as far as the caller
  // is concerned: it asked to stop, not for a retry.
  if (is_cancelled(s.cancel)) return cancelled_error(s.what);
  if (!failure.transient || failures >= s.core.config().max_attempts) {
    return s.target.scrub(s.core, after_attempts(std::move(failure.error), failures));
  }
  if (!s.budget.exhausted() && !s.core.backoff(failures, s.budget.remaining(), s.cancel)) {
    return cancelled_error(s.what);
  }
  if (s.budget.exhausted()) {
    return s.target.scrub(s.core, deadline_error(s.what, s.budget, failure.error, s.limit_name));
  }
  return std::nullopt;
}

}  // namespace

Status retry_with_budget(const RetryScope& scope, const Attempt& attempt,
                         std::optional<Failure> failed) {
  for (int failures = failed ? 1 : 0;;) {
    if (failed) {
      if (auto end = after_failure(scope, std::move(*failed), failures)) return *end;
    }
    if (is_cancelled(scope.cancel)) return cancelled_error(scope.what);
    // No attempt may outlast the budget.
    failed = attempt(std::max(scope.budget.remaining(), milliseconds(1)));
    if (!failed) return ok_status();
    ++failures;
  }
}

Failure transport_failure(std::string_view what, Error error) {
  const bool transient = is_transient_error(error);
  error.message = std::string(what) + ": " + error.code + ": " + error.message;
  return {std::move(error), transient};
}

Failure answer_failure(std::string_view method, std::string_view resource,
                       ResponseStream& response) {
  const int status = response.status();
  // HEAD answers have no body to read.
  const std::string body = method == "HEAD" ? "" : read_small_body(response);
  Error error = http_error(method, resource, status, body, response.headers());
  const bool transient = is_transient_status(status, error.code);
  return {std::move(error), transient};
}

Error after_attempts(Error error, int attempts) {
  if (attempts > 1) error.message += " (after " + std::to_string(attempts) + " attempts)";
  return error;
}

Error cancelled_error(std::string_view what) {
  return Error{Errc::kCancelled, std::string(what) + ": cancelled: the transfer was interrupted"};
}

Error deadline_error(std::string_view what, const Budget& budget, const Error& last,
                     std::string_view limit_name) {
  std::string message(what);
  message.append(": gave up after ")
      .append(std::to_string(budget.elapsed().count()))
      .append(" ms of retries (")
      .append(limit_name)
      .append(" ")
      .append(std::to_string(budget.limit().count()))
      .append(" ms); last error: ")
      .append(last.message);
  return Error{Errc::kTimeout, std::move(message)};
}

Result<std::unique_ptr<ResponseStream>> send_with_retries(
    ClientCore& core, const std::string& method, const GetTarget& target,
    const SendOptions& options, const Budget& budget, std::string_view limit_name) {
  const std::string what = "S3 " + method + " " + target.resource;
  std::unique_ptr<ResponseStream> answer;
  SendOptions attempt_options = options;
  auto attempt = [&](milliseconds limit) -> std::optional<Failure> {
    attempt_options.connect_timeout = limit;
    attempt_options.stall_timeout = limit;
    auto response = target.send(core, method, attempt_options);
    if (!response.ok()) return transport_failure(what, response.error());
    const int status = (*response)->status();
    if (status < 200 || status >= 300) return answer_failure(method, target.resource, **response);
    answer = std::move(*response);
    return std::nullopt;
  };
  SKILLSYNC_TRY(
      retry_with_budget({core, target, what, budget, limit_name, options.cancel}, attempt));
  return answer;
}

Result<std::unique_ptr<ResponseStream>> send_with_retries(ClientCore& core,
                                                          const std::string& method,
                                                          std::string_view bucket,
                                                          std::string_view key,
                                                          const SendOptions& options) {
  return send_with_retries(core, method,
                           GetTarget::for_object(S3Uri{std::string(bucket), std::string(key)}),
                           options, Budget(core.config().retry_deadline), "retry_deadline");
}

}  // namespace skillsync::source::s3::internal
