// `skillsync load --wait` on a real terminal: tmux runs it in a detached
// pane during a 1,000,000-row load, and the pane is captured again and again
// (`tmux capture-pane -p`). The progress must be one line redrawn in place
// (never two progress lines on screen), its row count must rise, and the run
// must end with a summary. The final screen is printed (the README shows it).
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "integration/it_env.hpp"
#include "support/process.hpp"

namespace skillsync::it {
namespace {

using testsupport::TempDir;

const char* const kTmux = "/usr/bin/tmux";

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

int64_t without_commas(const std::string& s) {
  std::string digits;
  for (char c : s) {
    if (c != ',') digits.push_back(c);
  }
  return std::stoll(digits);
}

// A tmux server of its own (socket in a temp dir), killed at the end.
class Tmux {
 public:
  explicit Tmux(const std::string& socket) : socket_(socket) {}
  ~Tmux() { run({"kill-server"}); }
  CommandResult run(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {kTmux, "-S", socket_, "-f", "/dev/null"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, {{"TERM", "xterm-256color"}}, std::chrono::seconds(20));
  }
  std::string capture() { return run({"capture-pane", "-p", "-t", "cli"}).out; }

 private:
  std::string socket_;
};

// The shell command a pane runs: `skillsync load URI --entity-type learning
// --wait` against `stack` (shown first as a prompt line), then its exit code.
std::string pane_command(Stack& stack, const std::string& uri, const std::string& home) {
  const std::string env = "env HOME=" + shell_quote(home) + " AWS_PROFILE= AWS_REGION=" +
                          " SKILLSYNC_URL=" + shell_quote(stack.app().base_url()) +
                          " SKILLSYNC_API_KEY=" + shell_quote(stack.app().api_key()) +
                          " AWS_ACCESS_KEY_ID=" + shell_quote(stack.s3().access_key_id()) +
                          " AWS_SECRET_ACCESS_KEY=" + shell_quote(stack.s3().secret_access_key());
  const std::string shown = "skillsync load " + uri + " --entity-type learning --wait";
  return "printf '%s\\n' " + shell_quote("$ " + shown) + "; " + env + " " +
         shell_quote(skillsync_binary()) + " load " + shell_quote(uri) +
         " --entity-type learning --wait; echo \"exit=$?\"; sleep 600";
}

// Captures the pane until `needle` shows; the last capture ("" on timeout).
std::string wait_for_screen(Tmux& tmux, const std::string& needle) {
  std::string screen;
  testsupport::wait_until(
      [&] {
        screen = tmux.capture();
        return screen.find(needle) != std::string::npos;
      },
      std::chrono::seconds(60), std::chrono::milliseconds(50));
  return screen;
}

class CliTmuxTest : public StackTest<CliTmuxTest> {};

TEST_F(CliTmuxTest, ProgressIsOneLineRedrawnInPlaceAndEndsWithASummary) {
  const LearningFile f = make_learning_file(unique_id("tmux"), 1'000'000);
  const std::string uri = stack().upload("learning-1m.csv", f.csv);
  TempDir dir("skillsync-tmux-");
  Tmux tmux(dir.file("tmux.sock"));
  CommandResult started = tmux.run({"new-session", "-d", "-s", "cli", "-x", "150", "-y", "12",
                                    pane_command(stack(), uri, dir.path())});
  ASSERT_EQ(started.exit_code, 0) << started.err;

  static const std::regex kProgress(R"(\| \d+:\d\d elapsed)");
  static const std::regex kRowsRead(R"(rows ([\d,]+) read)");
  std::vector<int64_t> rows_seen;
  std::string screen;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
  while (screen.find("exit=") == std::string::npos) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the load did not end:\n" << screen;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    screen = tmux.capture();
    std::istringstream lines(screen);
    int progress_lines = 0;
    for (std::string line; std::getline(lines, line);) {
      if (!std::regex_search(line, kProgress)) continue;
      ++progress_lines;
      std::smatch m;
      if (std::regex_search(line, m, kRowsRead)) rows_seen.push_back(without_commas(m[1]));
    }
    ASSERT_LE(progress_lines, 1) << "two progress lines on screen:\n" << screen;
  }
  std::cout << "--- final screen ---\n" << screen << "--- end ---\n";
  EXPECT_NE(screen.find("exit=0"), std::string::npos) << screen;
  EXPECT_TRUE(std::regex_search(screen, std::regex(R"(task flt_\w+ completed in \d+:\d\d: rows )"
                                                   R"(1,000,000 read, 1,000,000 loaded)")))
      << screen;
  EXPECT_NE(screen.find("100%"), std::string::npos) << screen;
  ASSERT_FALSE(rows_seen.empty());
  EXPECT_TRUE(std::is_sorted(rows_seen.begin(), rows_seen.end()));
  const std::set<int64_t> distinct(rows_seen.begin(), rows_seen.end());
  EXPECT_GE(distinct.size(), 3u) << "the row count did not rise while loading";
  EXPECT_EQ(rows_seen.back(), 1'000'000);
}

// Ctrl-C at a terminal asks; answering "c" cancels the task, and the exit
// code says so. The pane is 80 columns wide, so the progress line is the short one. S3 is throttled
// so that the load is still running then.
class CliTmuxCancelTest : public StackTest<CliTmuxCancelTest> {
 public:
  static StackOptions stack_options() {
    StackOptions o;
    o.fault_proxy = true;
    return o;
  }
};

TEST_F(CliTmuxCancelTest, CtrlCAsksAndCancelsTheTask) {
  const LearningFile f = make_learning_file(unique_id("tmux"), 3000);
  const std::string uri = stack().upload("slow.csv", f.csv);
  stack().proxy().set_default(testsupport::Fault::throttle(20000, 1024));
  TempDir dir("skillsync-tmux-");
  Tmux tmux(dir.file("tmux.sock"));
  ASSERT_EQ(tmux.run({"new-session", "-d", "-s", "cli", "-x", "80", "-y", "12",
                      pane_command(stack(), uri, dir.path())})
                .exit_code,
            0);
  // 80 columns: the progress line still fits on one row (joined, it is no longer).
  std::string screen = wait_for_screen(tmux, "running ");
  const std::string joined = tmux.run({"capture-pane", "-p", "-J", "-t", "cli"}).out;
  std::smatch line;
  ASSERT_TRUE(std::regex_search(joined, line, std::regex(R"(running [^\n]*)"))) << joined;
  EXPECT_LT(line.str().size(), 80u) << line.str();
  tmux.run({"send-keys", "-t", "cli", "C-c"});
  screen = wait_for_screen(tmux, "[c/w]");
  ASSERT_NE(screen.find("[c/w]"), std::string::npos) << screen;
  tmux.run({"send-keys", "-t", "cli", "c", "Enter"});
  screen = wait_for_screen(tmux, "exit=");
  std::cout << "--- final screen ---\n" << screen << "--- end ---\n";
  EXPECT_NE(screen.find("exit=4"), std::string::npos) << screen;
  EXPECT_TRUE(std::regex_search(screen, std::regex(R"(task flt_\w+ cancelled)"))) << screen;
  stack().proxy().set_default(testsupport::Fault::pass());
}

}  // namespace
}  // namespace skillsync::it
