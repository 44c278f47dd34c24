// Hardening of the CSV error report (issue 13, item 5): the report streams
// from the store a page at a time (chunked), so 40 clients downloading a
// 16 MB report and reading slowly add far less than 256 MiB to the server;
// and each API key has at most 4 downloads at once (429 beyond).
// Cost: about 5 s (a 16 MB file of rejected rows, loaded once).
#include <gtest/gtest.h>

#include <sstream>

#include "integration/hardening_util.hpp"
#include "integration/it_env.hpp"

namespace skillsync::it {
namespace {

class HardeningReportTest : public StackTest<HardeningReportTest> {
 public:
  static StackOptions stack_options() {
    StackOptions o;
    o.workers = 1;
    o.env["SKILLSYNC_RATE_LIMIT"] = "0";
    return o;
  }

 protected:
  // A new read,write key of the default tenant (`skillsync keys create`).
  std::string create_key() {
    CommandResult r =
        run_skillsync({"keys", "create", "--tenant", "default", "--scope", "read,write",
                       "--data-dir", app().data_dir(), "--log-level", "warn"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::istringstream in(r.out);
    std::string line, last;
    while (std::getline(in, line)) {
      if (!line.empty()) last = line;
    }
    return last;
  }

  // Opens a CSV download of the task's report with `key`; -1 on failure.
  int start_download(const std::string& task_id, const std::string& key) {
    int fd = raw::connect_to(raw::port_of(app().base_url()));
    if (fd < 0) return fd;
    raw::send_all(fd, "GET /integrations/file-load-tasks/" + task_id +
                          "/errors HTTP/1.1\r\nHost: x\r\nAccept: text/csv\r\n"
                          "Authorization: Bearer " +
                          key + "\r\n\r\n");
    return fd;
  }
};

TEST_F(HardeningReportTest, SlowReportReadersHoldLittleMemoryAndAreCappedPerKey) {
  // 4000 rejected rows of about 4 KiB each: a report of about 16 MB.
  const std::string employee = unique_id("report");
  std::string csv = "employee_external_id,language,external_id,timestamp,course_id,source\n";
  const std::string pad(4000, 'p');
  constexpr size_t kRows = 4000;
  for (size_t i = 0; i < kRows; ++i) {
    csv += employee + ",en,r-" + std::to_string(i) + ",not-a-time,c," + pad + "\n";
  }
  TaskTrace trace = run_task(stack(), stack().upload(unique_id("report") + ".csv", csv));
  ASSERT_EQ(trace.status(), "completed_with_errors");
  ASSERT_EQ(num(obj(trace.task, "progress"), "rows_rejected"), static_cast<int64_t>(kRows));
  const std::string id = str(trace.task, "task_id");

  std::vector<std::string> keys;
  for (int i = 0; i < 10; ++i) keys.push_back(create_key());
  const pid_t pid = raw::server_pid(app().data_dir());
  ASSERT_GT(pid, 0);
  const size_t peak_before = raw::status_bytes(pid, "VmHWM");

  // 40 slow readers (4 per key): each reads the start of its report and
  // then stops reading, so the server's writes to it block.
  std::vector<int> readers;
  for (const auto& key : keys) {
    for (int i = 0; i < 4; ++i) readers.push_back(start_download(id, key));
  }
  for (int fd : readers) {
    ASSERT_GE(fd, 0);
    std::string start;
    char buf[8192];
    while (start.size() < 64 * 1024) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      start.append(buf, static_cast<size_t>(n));
    }
    ASSERT_EQ(raw::status_of(start), 200) << start.substr(0, 300);
    EXPECT_NE(start.find("Transfer-Encoding: chunked"), std::string::npos);
  }
  // A fifth download with the same key is refused while the four run.
  int fifth = start_download(id, keys[0]);
  const std::string refused = raw::read_response(fifth);
  ::close(fifth);
  EXPECT_EQ(raw::status_of(refused), 429) << refused.substr(0, 300);
  EXPECT_NE(refused.find("Retry-After: 1"), std::string::npos);

  const size_t peak_after = raw::status_bytes(pid, "VmHWM");
  RecordProperty("peak_growth_mib", static_cast<int>((peak_after - peak_before) >> 20));
  for (int fd : readers) ::close(fd);
  EXPECT_LT(peak_after - peak_before, size_t{256} << 20)
      << "40 slow readers of a 16 MB report took the peak from " << peak_before << " to "
      << peak_after << " bytes";

  // Once the readers are gone their slots are free again, and a whole
  // download has every row.
  std::string whole;
  EXPECT_TRUE(testsupport::wait_until(
      [&] {
        int fd = start_download(id, keys[0]);
        bool closed = false;
        ::shutdown(fd, SHUT_WR);
        whole = raw::read_until_close(fd, &closed);
        ::close(fd);
        return raw::status_of(whole) == 200;
      },
      std::chrono::seconds(20)));
  EXPECT_TRUE(whole.ends_with("0\r\n\r\n")) << "the chunked body ends properly";
  size_t lines = 0;
  for (auto at = whole.find(",not-a-time,"); at != std::string::npos;
       at = whole.find(",not-a-time,", at + 1)) {
    ++lines;
  }
  EXPECT_EQ(lines, kRows);
}

}  // namespace
}  // namespace skillsync::it
