// The one retry loop of the S3 client: every request path (HEAD, PUT, a
// listing page, the first GET of an object, the reopen of a cut stream) runs
// its attempts through retry_with_budget, so they share one policy:
//   - transient failures (connection refused or reset, timeouts, a stalled
//     body, HTTP 500/502/503/504, SlowDown...) are retried, up to
//     config.max_attempts failures in a row, with the core's backoff (full
//     jitter), within a time Budget (retry_deadline or head_timeout);
//   - anything else is returned at once;
//   - a set cancel token ends it with "cancelled", never retried;
//   - every Error returned is scrubbed of the target's secrets; one that
//     followed several attempts says "(after N attempts)".
// Internal to source/s3.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/cancel.hpp"
#include "common/result.hpp"
#include "source/s3/client_core.hpp"

namespace skillsync::source::s3::internal {

// One failed attempt: its Error, with a message that already names the
// operation ("S3 GET s3://b/k: 503 SlowDown: ..."), and whether another
// attempt may succeed.
struct Failure {
  Error error;
  bool transient = false;
};

// What a retried operation is about, and what bounds it.
struct RetryScope {
  ClientCore& core;
  const GetTarget& target;      // whose secrets are scrubbed from the Error
  std::string_view what;        // "S3 GET s3://b/k": starts the "cancelled"/"timeout" messages
  const Budget& budget;         // spent by attempts and backoff sleeps
  std::string_view limit_name;  // names the budget in the "timeout" message
  const CancellationToken* cancel = nullptr;
};

// One attempt. `limit` is what is left of the budget (at least 1 ms): the
// attempt cuts its timeouts to it. nullopt on success (the attempt keeps its
// result where its caller can find it), else the failure.
using Attempt = std::function<std::optional<Failure>(std::chrono::milliseconds limit)>;

// Runs `attempt` until it succeeds or the policy above ends it. `failed`,
// when set, is a failure that happened before this call (a stream's body
// cut mid-read): it counts as the first, and is backed off from, before the
// first attempt. An open with the token already set makes no attempt.
Status retry_with_budget(const RetryScope& scope, const Attempt& attempt,
                         std::optional<Failure> failed = std::nullopt);

// A transport failure of `what` ("connection_failed", "timeout", ...):
// transient for connection_failed and timeout.
Failure transport_failure(std::string_view what, Error error);
// A non-2xx answer to `method` on `resource` (its small body read for S3's
// code): transient for 5xx and S3's throttling codes.
Failure answer_failure(std::string_view method, std::string_view resource,
                       ResponseStream& response);

// Appends "(after N attempts)" to an error's message when N > 1.
Error after_attempts(Error error, int attempts);
// The "cancelled" Error of an operation on `what` whose token was set.
Error cancelled_error(std::string_view what);
inline bool is_cancelled(const CancellationToken* cancel) {
  return cancel != nullptr && cancel->cancelled();
}
// The "timeout" Error for a budget that ran out; `last` is the failure that
// was being retried.
Error deadline_error(std::string_view what, const Budget& budget, const Error& last,
                     std::string_view limit_name);

// One request whose success is a 2xx answer, retried as above within
// `budget`; `limit_name` names the budget in the "timeout" message.
Result<std::unique_ptr<ResponseStream>> send_with_retries(
    ClientCore& core, const std::string& method, const GetTarget& target,
    const SendOptions& options, const Budget& budget, std::string_view limit_name);
// The same for a bucket / key, within config.retry_deadline.
Result<std::unique_ptr<ResponseStream>> send_with_retries(ClientCore& core,
                                                          const std::string& method,
                                                          std::string_view bucket,
                                                          std::string_view key,
                                                          const SendOptions& options);

}  // namespace skillsync::source::s3::internal
