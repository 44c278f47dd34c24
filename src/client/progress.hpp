// Progress of a File Load Task as text: pure functions from the task's JSON
// (GET /integrations/file-load-tasks/{id}) to one line, no I/O.
//
//   running  37%  45.2/120.0 MiB | rows 412,345 read, 412,300 loaded, 45 rejected |
//       12.3 MiB/s | 0:04 elapsed, 0:07 left
//
// (one line; wrapped here). The rate is bytes_read / elapsed, the time left
// what the rest of the object takes at that rate; both are "-" until there
// is something to measure; "left" is shown while running only. The summary is the line printed once
// the task has ended, and next_step() says what to do about its outcome.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <boost/json.hpp>

namespace skillsync::client {

// "1,234,567"
std::string group_thousands(int64_t n);
// "512 B", "1.5 KiB", "45.2 MiB", "3.10 GiB"
std::string human_bytes(double bytes);
// "0:07", "12:34", "1:02:03"
std::string human_duration(double seconds);

// The progress line of `task`, `elapsed_seconds` after it started. With a
// `width` (a terminal's columns) a line that would not fit is replaced by a
// shorter one (percent, bytes, rows read and rejected, rate, ETA), cut to
// `width` as a last resort; 0: no limit.
std::string render_progress(const boost::json::object& task, double elapsed_seconds,
                            size_t width = 0);

// The final line of an ended task: "task ID completed_with_errors in 0:09: ...".
std::string render_summary(const boost::json::object& task);

// What to do about an ended task ("" when nothing): the command that
// downloads the rejected rows, or why it failed.
std::string next_step(const boost::json::object& task);

// Seconds between two RFC 3339 UTC times of the API ("...Z"); nullopt when
// either does not parse.
std::optional<double> seconds_between(const std::string& from, const std::string& to);
// Microseconds since the epoch of an RFC 3339 UTC time ("2026-01-02T03:04:05.25Z").
std::optional<int64_t> parse_utc(const std::string& s);

// Cuts `line` to at most `width` characters (width 0: no limit).
std::string fit_width(const std::string& line, size_t width);

}  // namespace skillsync::client
