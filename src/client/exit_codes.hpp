// Exit codes of the client commands: what scripts may rely on (docs/cli.md).
//
//   0 completed (or the command did what it was asked)   2 completed_with_errors
//   3 failed   4 cancelled   1 the server refused the request or failed (4xx/5xx)
//   64 usage error   69 server unreachable   77 auth refused (401/403)
//   130 stopped watching (Ctrl-C); the task keeps running
#pragma once

#include <string_view>

namespace skillsync::client {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRequestFailed = 1;
inline constexpr int kExitCompletedWithErrors = 2;
inline constexpr int kExitFailed = 3;
inline constexpr int kExitCancelled = 4;
inline constexpr int kExitUsage = 64;
inline constexpr int kExitUnavailable = 69;
inline constexpr int kExitAuth = 77;
inline constexpr int kExitInterrupted = 130;

// The exit code of a task's final status; kExitOk for a status that is not
// final (pending, running), kExitRequestFailed for an unknown one.
int exit_for_status(std::string_view status);

// The exit code of an HTTP answer that is not a success: 0 (no answer) ->
// 69, 401/403 -> 77, anything else -> 1.
int exit_for_http(long status);

// True for completed, completed_with_errors, failed and cancelled.
bool is_final_status(std::string_view status);

}  // namespace skillsync::client
