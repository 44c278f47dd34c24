// Following a task until it ends: `load --wait` and `tasks watch`.
//
// On a terminal the progress line (progress.hpp) is redrawn in place ("\r",
// the line cut to the terminal's width, clear to end of line) five times a
// second; when stdout is not a terminal a plain line is printed every
// `plain_interval` and whenever the status changes. --json prints nothing but
// the final task; --quiet prints nothing (errors still go to stderr).
//
// Ctrl-C: when stdin and stdout are terminals the person is asked whether to
// cancel the task or stop watching; otherwise watching stops at once. After
// stopping, stderr says how to resume (`skillsync tasks watch ID`) and the
// exit code is 130; the task keeps running on the server.
#pragma once

#include <chrono>
#include <string>

#include "client/http_client.hpp"

namespace skillsync::client {

struct WatchOutput {
  bool json = false;
  bool quiet = false;
  bool tty = false;          // stdout is a terminal
  bool interactive = false;  // stdin and stdout are terminals
  std::chrono::milliseconds plain_interval{5000};
};

// What isatty() says about this process, with `json`/`quiet` as given.
WatchOutput watch_output_for_this_process(bool json, bool quiet);

// Follows the task; returns the exit code (exit_codes.hpp).
int watch_task(const HttpClient& http, const std::string& task_id, const WatchOutput& out);

}  // namespace skillsync::client
