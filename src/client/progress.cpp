// Progress lines and summaries of a task (see progress.hpp).
#include "client/progress.hpp"

#include <cmath>
#include <cstdio>

#include "common/time.hpp"

namespace skillsync::client {
namespace json = boost::json;
namespace {

int64_t count(const json::object& progress, const char* key) {
  const json::value* v = progress.if_contains(key);
  if (v == nullptr) return 0;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->as_uint64());
  return 0;
}

std::string text(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

const json::object& progress_of(const json::object& task) {
  static const json::object kEmpty;
  const json::value* p = task.if_contains("progress");
  return p != nullptr && p->is_object() ? p->as_object() : kEmpty;
}

std::string rows_part(const json::object& p) {
  return "rows " + group_thousands(count(p, "rows_read")) + " read, " +
         group_thousands(count(p, "rows_loaded")) + " loaded, " +
         group_thousands(count(p, "rows_rejected")) + " rejected";
}

std::string bytes_part(const json::object& p) {
  const int64_t total = count(p, "bytes_total");
  const int64_t read = count(p, "bytes_read");
  if (total <= 0) return human_bytes(static_cast<double>(read));
  const int64_t percent = std::min<int64_t>(100, read * 100 / total);
  char pct[24];
  std::snprintf(pct, sizeof pct, "%3lld%%", static_cast<long long>(percent));
  return std::string(pct) + "  " + human_bytes(static_cast<double>(read)) + " / " +
         human_bytes(static_cast<double>(total));
}

// "40% 40.0/100.0 MiB": the unit once when both sides share it.
std::string short_bytes_part(const json::object& p) {
  const int64_t total = count(p, "bytes_total");
  const int64_t read = count(p, "bytes_read");
  std::string r = human_bytes(static_cast<double>(read));
  if (total <= 0) return r;
  const std::string t = human_bytes(static_cast<double>(total));
  const std::string unit = t.substr(t.rfind(' '));
  if (r.size() > unit.size() && r.compare(r.size() - unit.size(), unit.size(), unit) == 0) {
    r.resize(r.size() - unit.size());
  }
  return std::to_string(std::min<int64_t>(100, read * 100 / total)) + "% " + r + "/" + t;
}

}  // namespace

std::string group_thousands(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return n < 0 ? "-" + out : out;
}

std::string human_bytes(double bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (bytes >= 1024.0 && unit < 4) {
    bytes /= 1024.0;
    ++unit;
  }
  char buf[32];
  if (unit == 0) {
    std::snprintf(buf, sizeof buf, "%.0f B", bytes);
  } else {
    std::snprintf(buf, sizeof buf, bytes < 10 ? "%.2f %s" : "%.1f %s", bytes, kUnits[unit]);
  }
  return buf;
}

std::string human_duration(double seconds) {
  const auto s = static_cast<long long>(std::max(0.0, std::floor(seconds)));
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lld:%02lld", s / 60, s % 60);
  }
  return buf;
}

std::string render_progress(const json::object& task, double elapsed_seconds, size_t width) {
  const std::string status = text(task, "status");
  const std::string elapsed = human_duration(elapsed_seconds);
  if (status == "pending") return "pending  waiting for a worker | " + elapsed + " elapsed";
  const json::object& p = progress_of(task);
  const double read = static_cast<double>(count(p, "bytes_read"));
  const double total = static_cast<double>(count(p, "bytes_total"));
  std::string rate = "-";
  std::string left = "-";
  if (elapsed_seconds >= 0.5 && read > 0) {
    const double per_second = read / elapsed_seconds;
    rate = human_bytes(per_second) + "/s";
    if (total >= read) left = human_duration((total - read) / per_second);
  }
  const bool running = status == "running";
  const bool cancelling = running && task.if_contains("cancel_requested_at") != nullptr &&
                          !task.at("cancel_requested_at").is_null();
  std::string line = status + "  " + bytes_part(p) + " | " + rows_part(p) + " | " + rate + " | " +
                     elapsed + " elapsed";
  if (running) line += ", " + left + " left";
  if (cancelling) line += " | cancelling";
  if (width == 0 || line.size() <= width) return line;
  // Narrow terminal: the numbers that matter most, in fewer words.
  line = status + " " + short_bytes_part(p) + "  " + group_thousands(count(p, "rows_read")) +
         " rows (" + group_thousands(count(p, "rows_rejected")) + " rejected)  " + rate + "  " +
         (running ? "ETA " + left : elapsed) + (cancelling ? "  cancelling" : "");
  return fit_width(line, width);
}

std::string render_summary(const json::object& task) {
  const std::string status = text(task, "status");
  const json::object& p = progress_of(task);
  std::string line = "task " + text(task, "task_id") + " " + status;
  if (auto s = seconds_between(text(task, "started_at"), text(task, "finished_at"))) {
    line += " in " + human_duration(*s);
  }
  line += ": " + rows_part(p);
  if (count(p, "rows_superseded") > 0) {
    line += ", " + group_thousands(count(p, "rows_superseded")) + " superseded";
  }
  line += " (" + human_bytes(static_cast<double>(count(p, "bytes_read"))) + ")";
  const json::value* options = task.if_contains("options");
  if (options != nullptr && options->is_object() &&
      options->as_object().if_contains("dry_run") != nullptr &&
      options->as_object().at("dry_run") == true) {
    line += " [dry run: nothing stored]";
  }
  return line;
}

std::string next_step(const json::object& task) {
  const std::string status = text(task, "status");
  const std::string id = text(task, "task_id");
  if (status == "completed_with_errors") {
    return "rejected rows: skillsync tasks errors " + id +
           " --csv errors.csv (fix them there "
           "and load that file again)";
  }
  if (status == "failed") {
    const json::value* e = task.if_contains("error");
    std::string why = "unknown error";
    if (e != nullptr && e->is_object()) {
      why = text(e->as_object(), "code") + ": " + text(e->as_object(), "message");
    }
    return "failed: " + why + " (details: skillsync tasks show " + id + ")";
  }
  if (status == "cancelled") return "cancelled: none of its rows were stored";
  return "";
}

std::optional<int64_t> parse_utc(const std::string& s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0, used = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &se, &used) != 6)
    return std::nullopt;
  int64_t micros = 0;
  size_t i = static_cast<size_t>(used);
  if (i < s.size() && s[i] == '.') {
    int64_t scale = 100000;
    for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, scale /= 10) {
      micros += (s[i] - '0') * scale;
    }
  }
  if (i >= s.size() || s[i] != 'Z') return std::nullopt;
  const int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return ((days * 24 + h) * 60 + mi) * 60'000'000LL + se * 1'000'000LL + micros;
}

std::optional<double> seconds_between(const std::string& from, const std::string& to) {
  const auto a = parse_utc(from);
  const auto b = parse_utc(to);
  if (!a || !b) return std::nullopt;
  return static_cast<double>(*b - *a) / 1e6;
}

std::string fit_width(const std::string& line, size_t width) {
  if (width == 0 || line.size() <= width) return line;
  return line.substr(0, width);
}

}  // namespace skillsync::client
