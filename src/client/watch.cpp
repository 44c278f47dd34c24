// Following a task until it ends (see watch.hpp).
#include "client/watch.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <thread>

#include <boost/json.hpp>

#include "client/context.hpp"
#include "client/exit_codes.hpp"
#include "client/progress.hpp"

namespace skillsync::client {
namespace json = boost::json;
namespace {

std::atomic<bool> g_interrupted{false};

void on_sigint(int) { g_interrupted.store(true); }

void install_sigint() {
  struct sigaction sa {};
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a prompt's read returns on a second Ctrl-C
  sigaction(SIGINT, &sa, nullptr);
}

size_t terminal_width() {
  winsize ws{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1) return ws.ws_col - 1;
  return 0;
}

int64_t now_micros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string text(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

class Watcher {
 public:
  Watcher(const HttpClient& http, std::string id, WatchOutput out)
      : http_(http), id_(std::move(id)), out_(out) {}
  int run();

 private:
  double elapsed(const json::object& task) const;
  void draw(const json::object& task);
  int finish(const json::object& task);
  void end_line();
  // True: keep watching.
  bool on_interrupt();
  int stop_watching();
  bool sleep_a_little();

  const HttpClient& http_;
  std::string id_;
  WatchOutput out_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_plain_{};
  std::string last_status_;
  bool line_open_ = false;
  bool cancel_requested_ = false;
};

int Watcher::run() {
  install_sigint();
  for (;;) {
    auto r = http_.get("/integrations/file-load-tasks/" + url_escape(id_));
    if (!r.ok() || r->status != 200) {
      end_line();
      const int code = report_failure(r, http_, "reading task " + id_);
      if (code == kExitUnavailable) {
        std::cerr << "the task keeps running on the server; watch it again with: skillsync "
                  << "tasks watch " << id_ << "\n";
      }
      return code;
    }
    boost::system::error_code ec;
    json::value v = json::parse(r->body, ec);
    if (ec || !v.is_object()) {
      end_line();
      std::cerr << "skillsync: the server's answer about task " << id_ << " is not JSON\n";
      return kExitRequestFailed;
    }
    if (is_final_status(text(v.as_object(), "status"))) return finish(v.as_object());
    draw(v.as_object());
    if (!sleep_a_little() && !on_interrupt()) return stop_watching();
  }
}

double Watcher::elapsed(const json::object& task) const {
  if (auto started = parse_utc(text(task, "started_at"))) {
    const double s = static_cast<double>(now_micros() - *started) / 1e6;
    if (s >= 0) return s;
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Watcher::draw(const json::object& task) {
  if (out_.json || out_.quiet) return;
  if (out_.tty) {
    std::cout << "\r" << render_progress(task, elapsed(task), terminal_width()) << "\x1b[K"
              << std::flush;
    line_open_ = true;
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  const std::string status = text(task, "status");
  if (status != last_status_ || now - last_plain_ >= out_.plain_interval) {
    std::cout << render_progress(task, elapsed(task)) << "\n" << std::flush;
    last_plain_ = now;
    last_status_ = status;
  }
}

int Watcher::finish(const json::object& task) {
  const std::string status = text(task, "status");
  if (out_.json) {
    std::cout << json::serialize(task) << "\n" << std::flush;
  } else if (!out_.quiet) {
    const auto s = seconds_between(text(task, "started_at"), text(task, "finished_at"));
    if (out_.tty && line_open_) {
      std::cout << "\r" << render_progress(task, s.value_or(elapsed(task)), terminal_width())
                << "\x1b[K\n";
      line_open_ = false;
    }
    std::cout << render_summary(task) << "\n";
    if (const std::string next = next_step(task); !next.empty()) std::cout << next << "\n";
    std::cout << std::flush;
  }
  return exit_for_status(status);
}

void Watcher::end_line() {
  if (line_open_) std::cout << "\n" << std::flush;
  line_open_ = false;
}

bool Watcher::sleep_a_little() {
  const auto period = std::chrono::milliseconds(out_.tty ? 200 : 500);
  const auto until = std::chrono::steady_clock::now() + period;
  while (std::chrono::steady_clock::now() < until) {
    if (g_interrupted.exchange(false)) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

bool Watcher::on_interrupt() {
  end_line();
  if (!out_.interactive || cancel_requested_) return false;
  std::cerr << "Cancel task " << id_ << " (c), or just stop watching (w)? [c/w] " << std::flush;
  char answer[16] = {};
  if (std::fgets(answer, sizeof answer, stdin) == nullptr || (answer[0] != 'c' && answer[0] != 'C'))
    return false;
  HttpRequest cancel{"POST", "/integrations/file-load-tasks/" + url_escape(id_) + "/cancel"};
  auto r = http_.send(cancel);
  if (!r.ok() || (r->status != 202 && r->status != 409)) {
    report_failure(r, http_, "cancelling task " + id_);
    return false;
  }
  cancel_requested_ = true;
  std::cerr << (r->status == 409 ? "the task has already ended\n"
                                 : "cancel requested; waiting for the task to stop (Ctrl-C "
                                   "again: stop watching)\n");
  return true;
}

int Watcher::stop_watching() {
  end_line();
  std::cerr << "stopped watching; task " << id_ << " keeps running on the server. "
            << "Watch it again with: skillsync tasks watch " << id_ << "\n";
  return kExitInterrupted;
}

}  // namespace

WatchOutput watch_output_for_this_process(bool json, bool quiet) {
  WatchOutput out;
  out.json = json;
  out.quiet = quiet;
  out.tty = ::isatty(STDOUT_FILENO) == 1;
  out.interactive = out.tty && ::isatty(STDIN_FILENO) == 1;
  return out;
}

int watch_task(const HttpClient& http, const std::string& task_id, const WatchOutput& out) {
  return Watcher(http, task_id, out).run();
}

}  // namespace skillsync::client
