// The corpus: one small CSV file per quirk and per error code a CSV load can
// produce (tests/integration/corpus/, described in its README.md), each
// loaded through the real S3 server and the real binary and compared
// exactly with its <name>.expected.json: final status, counts, task error
// and every row error (line, column, code). Plus the promise of the CSV
// error report: download it, fix the bad values, load it as it is.
//
// One S3 server and one skillsync serve every case; all corpus tasks are
// posted up front so the workers run them while the tests check them.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "integration/it_env.hpp"
#include "source/s3/s3.hpp"
#include "support/http_client.hpp"

namespace skillsync::it {
namespace {
namespace json = boost::json;
namespace fs = std::filesystem;

const fs::path kCorpusDir = SKILLSYNC_CORPUS_DIR;
constexpr std::string_view kExpectedSuffix = ".expected.json";
// A case's file is <name> plus the first of these that exists.
constexpr std::string_view kDataSuffixes[] = {".csv", ".csv.gz", ".csv.zst"};

struct CorpusCase {
  std::string name;
  fs::path data;      // empty when no data file exists (the test then fails)
  fs::path expected;  // <name>.expected.json
};

// gtest prints parameters; the name is enough.
void PrintTo(const CorpusCase& c, std::ostream* os) { *os << c.name; }

std::vector<CorpusCase> corpus_cases() {
  std::vector<CorpusCase> cases;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(kCorpusDir, ec)) {
    const std::string file = entry.path().filename().string();
    if (!file.ends_with(kExpectedSuffix)) continue;
    CorpusCase c;
    c.name = file.substr(0, file.size() - kExpectedSuffix.size());
    c.expected = entry.path();
    for (std::string_view suffix : kDataSuffixes) {
      const fs::path data = kCorpusDir / (c.name + std::string(suffix));
      if (fs::exists(data)) {
        c.data = data;
        break;
      }
    }
    cases.push_back(std::move(c));
  }
  std::sort(cases.begin(), cases.end(),
            [](const CorpusCase& a, const CorpusCase& b) { return a.name < b.name; });
  return cases;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The stack every corpus test shares: started by the first test that needs
// it, stopped (and its exit code checked) after the last test of the run.
class CorpusStack : public ::testing::Environment {
 public:
  static Stack* get() {
    if (stack_ == nullptr && start_error_.empty()) {
      StackOptions options;
      options.workers = 2;
      // Corpus tests page through every rejected row (limit tested elsewhere).
      options.env["SKILLSYNC_RATE_LIMIT"] = "0";
      auto started = Stack::start(options);
      if (started.ok()) {
        stack_ = std::move(*started);
      } else {
        start_error_ = started.error().message;
      }
    }
    return stack_.get();
  }
  static const std::string& start_error() { return start_error_; }

  void TearDown() override {
    if (stack_ == nullptr) return;
    EXPECT_EQ(sanitizer_report(stack_->app().log()), "") << "the server reported a bug";
    const int code = stack_->app().stop();
    EXPECT_EQ(code, 0) << "skillsync exited with " << code << "; log tail:\n"
                       << stack_->app().log_tail();
    stack_.reset();
  }

 private:
  static inline std::unique_ptr<Stack> stack_;
  static inline std::string start_error_;
};

[[maybe_unused]] ::testing::Environment* const corpus_environment =
    ::testing::AddGlobalTestEnvironment(new CorpusStack);

// POST /integrations/file-load-tasks with the S3 server's credentials.
ApiResponse post_task(Stack& stack, const std::string& uri, const std::string& entity_type,
                      const json::value& options) {
  json::object body{
      {"entity_type", entity_type},
      {"method", "s3_iam_user"},
      {"uri", uri},
      {"credentials", json::object{{"aws_access_key_id", stack.s3().access_key_id()},
                                   {"aws_secret_access_key", stack.s3().secret_access_key()}}}};
  if (options.is_object() && !options.get_object().empty()) body["options"] = options;
  return stack.app().post("/integrations/file-load-tasks", json::serialize(body));
}

// A row error as the corpus states it: line, column (null: the whole row), code.
json::array error_triples(const json::array& errors) {
  json::array out;
  for (const auto& e : errors) {
    const json::object& o = as_object(e);
    out.push_back(json::object{{"line", o.at("line")},
                               {"column", o.contains("column") ? o.at("column") : nullptr},
                               {"code", o.at("code")}});
  }
  return out;
}

// Every item of GET .../errors, all pages.
json::array all_row_errors(SkillsyncProcess& app, const std::string& task_id) {
  json::array items;
  std::string cursor;
  for (int page = 0; page < 1000; ++page) {
    std::string path = "/integrations/file-load-tasks/" + task_id + "/errors?limit=1000";
    if (!cursor.empty()) path += "&cursor=" + source::s3::uri_encode(cursor, true);
    ApiResponse r = app.get_paced(path);
    EXPECT_EQ(r.status, 200) << r.body;
    if (r.status != 200) break;
    const json::value v = r.json();
    if (!v.is_object() || !v.get_object().contains("items")) {
      // Also the symptom of a raw record with invalid UTF-8 copied into JSON.
      ADD_FAILURE() << "GET .../errors answered no JSON list: " << r.body.substr(0, 300);
      break;
    }
    for (const auto& item : as_array(v.get_object().at("items"))) items.push_back(item);
    const json::value& next = as_object(v).at("next_cursor");
    if (!next.is_string()) break;
    cursor = std::string(next.get_string());
  }
  return items;
}

struct Posted {
  ApiResponse created;
  std::string task_id;
  size_t file_size = 0;
};

class CorpusTest : public ::testing::TestWithParam<CorpusCase> {
 protected:
  // Uploads every case and posts its task, so that the workers are busy
  // while the tests below wait for and check one task each.
  static void SetUpTestSuite() {
    Stack* stack = CorpusStack::get();
    if (stack == nullptr) return;
    for (const CorpusCase& c : corpus_cases()) {
      if (c.data.empty()) continue;
      const json::value expected = json::parse(read_file(c.expected));
      const std::string body = read_file(c.data);
      const std::string uri = stack->upload("corpus/" + c.data.filename().string(), body);
      Posted p;
      p.file_size = body.size();
      p.created = post_task(*stack, uri, str(as_object(expected), "entity_type"),
                            as_object(expected).at("options"));
      const json::value v = p.created.json();
      if (p.created.status == 201 && v.is_object()) p.task_id = str(v.get_object(), "task_id");
      posted_[c.name] = std::move(p);
    }
  }
  void SetUp() override {
    ASSERT_NE(CorpusStack::get(), nullptr)
        << "the stack did not start: " << CorpusStack::start_error();
  }
  void TearDown() override {
    if (HasFailure() && CorpusStack::get() != nullptr) {
      std::cerr << "--- skillsync log tail ---\n" << CorpusStack::get()->app().log_tail() << "\n";
    }
  }
  static inline std::map<std::string, Posted> posted_;
};

TEST_P(CorpusTest, LoadsExactlyAsExpected) {
  const CorpusCase& c = GetParam();
  ASSERT_FALSE(c.data.empty()) << "no data file for " << c.expected;
  const json::value expected_json = json::parse(read_file(c.expected));
  const json::object& want = as_object(expected_json);
  SCOPED_TRACE(c.name + ": " + str(want, "about"));
  SkillsyncProcess& app = CorpusStack::get()->app();
  const Posted& p = posted_.at(c.name);
  ASSERT_EQ(p.created.status, 201) << p.created.body;

  const TaskTrace trace = app.wait_for_task(p.task_id);
  ASSERT_FALSE(trace.timed_out) << json::serialize(trace.task);
  const json::object& task = trace.task;
  EXPECT_EQ(str(task, "status"), str(want, "status")) << json::serialize(task);

  const json::object& progress = obj(task, "progress");
  for (const auto& [key, value] : obj(want, "progress")) {
    EXPECT_EQ(num(progress, key), value.as_int64()) << key << " in " << json::serialize(task);
  }
  // bytes_total is the object's size as soon as the object is open, before
  // its header is read: every case's object exists, so a task that fails on
  // its header (empty_file, invalid_header, header_*), its encoding or its
  // compression shows the size too.
  EXPECT_EQ(num(progress, "bytes_total"), static_cast<int64_t>(p.file_size))
      << json::serialize(progress);

  if (want.at("error").is_null()) {
    EXPECT_TRUE(is_null(task, "error")) << json::serialize(task);
  } else {
    const json::object& error = obj(task, "error");
    EXPECT_EQ(str(error, "code"), want.at("error").as_string()) << json::serialize(error);
    if (const json::value* parts = want.if_contains("error_message_contains")) {
      for (const auto& part : as_array(*parts)) {
        EXPECT_NE(str(error, "message").find(part.as_string()), std::string::npos)
            << str(error, "message") << " should name " << part.as_string();
      }
    }
  }

  // The report holds every rejected row; the status its first 100.
  const json::array& want_errors = as_array(want.at("row_errors"));
  const json::array report = error_triples(all_row_errors(app, p.task_id));
  EXPECT_EQ(json::value(report), json::value(want_errors)) << "report of " << c.name;
  json::array inline_errors = error_triples(as_array(task.at("row_errors")));
  EXPECT_EQ(json::value(inline_errors), json::value(want_errors)) << "status of " << c.name;

  if (const json::value* events = want.if_contains("events")) {
    for (const auto& [employee, count] : as_object(*events)) {
      EXPECT_EQ(static_cast<int64_t>(list_all_events(app, std::string(employee)).size()),
                count.as_int64())
          << "events of " << employee;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Corpus, CorpusTest, ::testing::ValuesIn(corpus_cases()),
                         [](const ::testing::TestParamInfo<CorpusCase>& info) {
                           return info.param.name;
                         });

// A corpus case is two files; a stray file is a case someone forgot.
TEST(CorpusFiles, EveryFileBelongsToACase) {
  const std::vector<CorpusCase> cases = corpus_cases();
  EXPECT_GE(cases.size(), 40u) << kCorpusDir;
  std::set<fs::path> known = {kCorpusDir / "README.md"};
  for (const auto& c : cases) {
    known.insert(c.expected);
    known.insert(c.data);
  }
  for (const auto& entry : fs::directory_iterator(kCorpusDir)) {
    EXPECT_TRUE(known.contains(entry.path())) << entry.path() << " belongs to no case";
  }
}

// Every row-level code of docs/errors.md has a corpus case that produces it,
// so a new code cannot be added without one.
TEST(CorpusFiles, CoverEveryRowErrorCodeOfTheDocs) {
  std::set<std::string> produced;
  for (const auto& c : corpus_cases()) {
    const json::value v = json::parse(read_file(c.expected));
    for (const auto& e : as_array(as_object(v).at("row_errors"))) {
      produced.insert(std::string(as_object(e).at("code").as_string()));
    }
  }
  std::istringstream docs(read_file(kCorpusDir / ".." / ".." / ".." / "docs" / "errors.md"));
  size_t row_codes = 0;
  for (std::string line; std::getline(docs, line);) {
    // | `code` | where | meaning |
    if (!line.starts_with("| `")) continue;
    const size_t end = line.find('`', 3);
    const size_t where_end = line.find(" |", end + 3);
    if (end == std::string::npos || where_end == std::string::npos) continue;
    const std::string code = line.substr(3, end - 3);
    const std::string where = line.substr(end + 3, where_end - end - 3);
    if (where.find("row") == std::string::npos) continue;
    ++row_codes;
    EXPECT_TRUE(produced.contains(code)) << "no corpus case produces the row error " << code;
  }
  EXPECT_GE(row_codes, 17u) << "docs/errors.md no longer lists row codes as expected";
}

// --- The error report, fixed and loaded again as it is --------------------

// A minimal RFC 4180 reader and writer for `delimiter` and `quote`, written
// here rather than taken from the product so that the test checks the
// export against the format, not against itself.
std::vector<std::vector<std::string>> parse_csv(std::string_view text, char delimiter, char quote) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (quoted) {
      if (ch == quote && i + 1 < text.size() && text[i + 1] == quote) {
        field += quote;
        ++i;
      } else if (ch == quote) {
        quoted = false;
      } else {
        field += ch;
      }
    } else if (ch == quote) {
      quoted = true;
    } else if (ch == delimiter) {
      row.push_back(std::move(field));
      field.clear();
    } else if (ch == '\r' || ch == '\n') {
      if (ch == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      row.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
    } else {
      field += ch;
    }
  }
  EXPECT_FALSE(quoted) << "the export ends inside quotes";
  if (!field.empty() || !row.empty()) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string write_csv(const std::vector<std::vector<std::string>>& rows, char delimiter,
                      char quote) {
  std::string out;
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      if (i > 0) out += delimiter;
      const std::string& f = row[i];
      const char specials[] = {delimiter, quote, '\r', '\n'};
      if (f.find_first_of(std::string_view(specials, 4)) == std::string::npos) {
        out += f;
        continue;
      }
      out += quote;
      for (char ch : f) {
        if (ch == quote) out += quote;
        out += ch;
      }
      out += quote;
    }
    out += "\r\n";
  }
  return out;
}

class CorpusRoundTrip : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(CorpusStack::get(), nullptr)
        << "the stack did not start: " << CorpusStack::start_error();
  }
  Stack& stack() { return *CorpusStack::get(); }

  // Posts `uri` with `options`, waits, and checks the outcome.
  json::object load(const std::string& uri, const json::value& options, const std::string& status) {
    ApiResponse created = post_task(stack(), uri, "learning", options);
    EXPECT_EQ(created.status, 201) << created.body;
    if (created.status != 201) return {};
    const TaskTrace trace = stack().app().wait_for_task(str(as_object(created.json()), "task_id"));
    EXPECT_FALSE(trace.timed_out);
    EXPECT_EQ(trace.status(), status) << json::serialize(trace.task);
    return trace.task;
  }
};

TEST_F(CorpusRoundTrip, FixedErrorReportLoadsAsItIsWithTheSameOptions) {
  const std::string e = unique_id("c-roundtrip");
  const std::string ts = "2021-01-01T00:00:00Z";
  // Semicolons and single quotes: the report must come back in this dialect.
  const std::string file =
      "employee_external_id;language;external_id;timestamp;learning_title;"
      "learning_description;source\n" +
      e + ";en;good-1;" + ts + ";Title;'a; b';s\n" +                      // 2
      e + ";en;bad-ts;2021-02-30;'Title; ''quoted''';'multi\nline';\n" +  // 3-4
      e + ";english;bad-lang;" + ts + ";Title;Desc;s\n" +                 // 5
      e + ";en;bad id;" + ts + ";Title;Desc;s\n" +                        // 6
      e + ";en;bad-content;" + ts + ";Title only;;s\n" +                  // 7
      e + ";en;bad-utf8;" + ts + ";Caf\xE9;Desc;s\n" +                    // 8
      e + ";en;bad-quote;" + ts + ";ti'tle;Desc;s\n" +                    // 9
      e + ";en;good-2;" + ts + ";Title;Desc;s\n";                         // 10
  const json::value options = json::object{{"delimiter", ";"}, {"quote", "'"}};
  const json::object first =
      load(stack().upload(e + ".csv", file), options, "completed_with_errors");
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(num(obj(first, "progress"), "rows_loaded"), 2);
  EXPECT_EQ(num(obj(first, "progress"), "rows_rejected"), 6);

  testsupport::HttpResponse report = testsupport::request(
      "GET",
      stack().app().base_url() + "/integrations/file-load-tasks/" + str(first, "task_id") +
          "/errors",
      {{"Authorization", "Bearer " + stack().app().api_key()}, {"Accept", "text/csv"}});
  ASSERT_EQ(report.status, 200) << report.body;
  EXPECT_EQ(report.headers["content-type"], "text/csv; charset=utf-8");
  auto rows = parse_csv(report.body, ';', '\'');
  ASSERT_EQ(rows.size(), 7u) << report.body;
  const std::vector<std::string> header = {
      "employee_external_id", "language", "external_id", "timestamp",    "learning_title",
      "learning_description", "source",   "error_line",  "error_column", "error_code",
      "error_message"};
  EXPECT_EQ(rows[0], header);
  // Each bad row comes back with its own values and says what is wrong.
  const std::vector<std::vector<std::string>> want = {
      {"bad-ts", "3", "timestamp", "invalid_timestamp"},
      {"bad-lang", "5", "language", "invalid_language"},
      {"bad id", "6", "external_id", "invalid_external_id"},
      {"bad-content", "7", "learning_description", "missing_content"},
      {"bad-utf8", "8", "learning_title", "invalid_utf8"},
      {"bad-quote", "9", "learning_title", "unexpected_quote"}};
  for (size_t i = 0; i < want.size(); ++i) {
    const auto& r = rows[i + 1];
    ASSERT_EQ(r.size(), header.size()) << report.body;
    EXPECT_EQ(r[2], want[i][0]);
    EXPECT_EQ(std::vector<std::string>(r.begin() + 7, r.begin() + 10),
              std::vector<std::string>(want[i].begin() + 1, want[i].end()));
    EXPECT_FALSE(r[10].empty());
  }
  EXPECT_EQ(rows[1][4], "Title; 'quoted'");
  EXPECT_EQ(rows[1][5], "multi\nline");
  EXPECT_EQ(rows[5][4], "Caf\xEF\xBF\xBD") << "invalid UTF-8 comes back as U+FFFD";
  EXPECT_EQ(rows[6][4], "ti'tle");

  // The user fixes exactly the values the report names, keeps everything
  // else (the error columns too) and loads the file with the same options.
  const std::map<std::string, std::string> fixes = {{"timestamp", "2021-02-28"},
                                                    {"language", "en"},
                                                    {"external_id", "fixed-id"},
                                                    {"learning_description", "Fixed"},
                                                    {"learning_title", "Fixed title"}};
  for (size_t i = 1; i < rows.size(); ++i) {
    const std::string& column = rows[i][8];
    const auto at = std::find(header.begin(), header.end(), column) - header.begin();
    ASSERT_LT(static_cast<size_t>(at), header.size()) << column;
    rows[i][at] = fixes.at(column);
  }
  const json::object second =
      load(stack().upload(e + "-fixed.csv", write_csv(rows, ';', '\'')), options, "completed");
  ASSERT_FALSE(second.empty());
  EXPECT_EQ(num(obj(second, "progress"), "rows_read"), 6);
  EXPECT_EQ(num(obj(second, "progress"), "rows_loaded"), 6);
  EXPECT_EQ(num(obj(second, "progress"), "rows_rejected"), 0);

  std::vector<std::string> ids;
  for (const auto& event : list_all_events(stack().app(), e))
    ids.push_back(str(event, "external_id"));
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{"bad-content", "bad-lang", "bad-quote", "bad-ts",
                                           "bad-utf8", "fixed-id", "good-1", "good-2"}));
  ApiResponse fixed = stack().app().get("/employees/" + e + "/skill_events/bad-ts");
  ASSERT_EQ(fixed.status, 200);
  const json::value fixed_json = fixed.json();
  EXPECT_EQ(str(as_object(fixed_json), "timestamp"), "2021-02-28T00:00:00Z");
  EXPECT_EQ(
      as_object(fixed_json).at("content"),
      json::parse(R"({"learning_title":"Title; 'quoted'","learning_description":"multi\nline"})"));
}

}  // namespace
}  // namespace skillsync::it
