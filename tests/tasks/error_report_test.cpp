// The CSV error report (export_row_errors_csv) over a real SQLite store: the
// task's dialect, the error_file column of prefix loads, invalid UTF-8, and
// the promise that matters: the report reads back with the task's options
// into the same fields and, through HeaderBinding, the same errors.
#include <gtest/gtest.h>

#include <filesystem>

#include "common/string_byte_reader.hpp"
#include "csv/csv.hpp"
#include "csv/csv_writer.hpp"
#include "schema/schema.hpp"
#include "support/sqlite_store_test.hpp"
#include "tasks/error_report.hpp"

namespace skillsync::tasks {
namespace {

// Every record of `text` read with `dialect`; a malformed one fails the test.
std::vector<std::vector<std::string>> read_csv(std::string_view text, csv::Dialect dialect) {
  std::vector<std::vector<std::string>> rows;
  StringByteReader input{std::string(text)};
  csv::RecordReader reader(input, dialect);
  while (true) {
    auto item = reader.next();
    EXPECT_TRUE(item.ok());
    if (!item.ok() || *item == csv::RecordReader::Item::kEnd) break;
    if (*item == csv::RecordReader::Item::kError) {
      ADD_FAILURE() << "line " << reader.error().line << ": " << reader.error().code;
      continue;
    }
    rows.emplace_back(reader.record().fields.begin(), reader.record().fields.end());
  }
  return rows;
}

class ErrorReportTest : public testsupport::SqliteStoreTest {
 protected:
  void SetUp() override {
    SqliteStoreTest::SetUp();
    if (HasFatalFailure()) return;
  }
  void TearDown() override { SqliteStoreTest::TearDown(); }

  // A finished task with `options_json`, `uri`, file header `header_json`
  // and `errors` rejected.
  store::Task task_with_errors(const std::string& options_json,
                               const std::vector<store::RowError>& errors,
                               const std::string& header_json,
                               const std::string& uri = "s3://bucket/f.csv") {
    store::Task t;
    t.id = "flt_" + std::to_string(++tasks_);
    t.entity_type = "learning";
    t.method = "s3_iam_user";
    t.uri = uri;
    t.options_json = options_json;
    t.created_at = SystemClock::instance().now();
    EXPECT_TRUE(store_->create_task(t).ok());
    auto claimed = store_->claim_next_task("w1", SystemClock::instance().now(), 60'000'000);
    EXPECT_TRUE(claimed.ok() && claimed->has_value());
    auto writer = store_->begin_load(**claimed, "w1");
    EXPECT_TRUE(writer.ok());
    store::Checkpoint cp;
    cp.byte_offset = 100;
    cp.line = errors.size() + 2;
    cp.progress.rows_read = errors.size();
    cp.progress.rows_rejected = errors.size();
    cp.header_json = header_json;
    EXPECT_TRUE((*writer)->stage({}, errors, cp).ok());
    EXPECT_TRUE((*writer)->publish(store::TaskStatus::kCompletedWithErrors, cp.progress).ok());
    auto fresh = store_->get_task(store::kDefaultTenant, t.id);
    EXPECT_TRUE(fresh.ok() && fresh->has_value());
    return **fresh;
  }
  std::string export_csv(const store::Task& t) {
    auto r = export_row_errors_csv(*store_, task_view(t));
    EXPECT_TRUE(r.ok());
    return r.ok() ? r->body : "";
  }

  int tasks_ = 0;
};

store::RowError err(uint64_t line, std::string raw, std::string column, std::string code,
                    std::string message, std::string file = "") {
  return {line,           line * 10,      std::move(column), std::move(code), std::move(message),
          std::move(raw), std::move(file)};
}

constexpr const char* kHeader =
    R"(["employee_external_id","language","external_id","timestamp","course_id","source"])";

TEST_F(ErrorReportTest, WritesTheTasksDelimiterAndQuote) {
  store::Task t = task_with_errors(R"({"delimiter":"\t","quote":"'"})",
                                   {err(2, "e1\ten\tx1\tnope\t'c\t1'\t'it''s'", "timestamp",
                                        "invalid_timestamp", "'nope' is \"bad\", really")},
                                   kHeader);
  EXPECT_EQ(export_csv(t),
            "employee_external_id\tlanguage\texternal_id\ttimestamp\tcourse_id\tsource\t"
            "error_line\terror_column\terror_code\terror_message\r\n"
            "e1\ten\tx1\tnope\t'c\t1'\t'it''s'\t2\ttimestamp\tinvalid_timestamp\t"
            "'''nope'' is \"bad\", really'\r\n");

  t = task_with_errors(
      R"({"delimiter":"|"})",
      {err(3, "e1|en|x1|2021-13-01|\"a|b\"|", "timestamp", "invalid_timestamp", "month 13")},
      kHeader);
  EXPECT_EQ(export_csv(t),
            "employee_external_id|language|external_id|timestamp|course_id|source|"
            "error_line|error_column|error_code|error_message\r\n"
            "e1|en|x1|2021-13-01|\"a|b\"||3|timestamp|invalid_timestamp|month 13\r\n");
}

// A prefix load says which file each row came from, before error_line.
TEST_F(ErrorReportTest, PrefixLoadHasAnErrorFileColumn) {
  const std::vector<store::RowError> errors = {
      err(2, "e1,en,x1,bad,c1,", "timestamp", "invalid_timestamp", "m", "dir/a.csv"),
      err(5, "e2,xx,x2,2021-01-01,c2,", "language", "invalid_language", "m", "dir/b,2.csv")};
  const std::string want =
      "employee_external_id,language,external_id,timestamp,course_id,source,"
      "error_file,error_line,error_column,error_code,error_message\r\n"
      "e1,en,x1,bad,c1,,dir/a.csv,2,timestamp,invalid_timestamp,m\r\n"
      "e2,xx,x2,2021-01-01,c2,,\"dir/b,2.csv\",5,language,invalid_language,m\r\n";
  EXPECT_EQ(export_csv(task_with_errors("{}", errors, kHeader, "s3://bucket/dir/")), want);
  // Row errors that name files decide it even when the uri does not.
  EXPECT_EQ(export_csv(task_with_errors("{}", errors, kHeader)), want);
  // A prefix load without rejected rows still has the column.
  EXPECT_EQ(export_csv(task_with_errors("{}", {}, kHeader, "s3://bucket/dir/")),
            "employee_external_id,language,external_id,timestamp,course_id,source,"
            "error_file,error_line,error_column,error_code,error_message\r\n");
}

TEST_F(ErrorReportTest, InvalidUtf8BecomesReplacementCharacters) {
  store::Task t = task_with_errors(
      "{}",
      {err(2, "e1,en,x1,2021-01-01,\"caf\xE9, au lait\",s\xFF", "course_id", "invalid_utf8",
           "invalid UTF-8 in field 5"),
       // Broken quoting and a bad byte: split on the delimiter alone.
       err(3, "e2,en,\"x2\xC3,2021", "", "unterminated_quote", "quote never closes")},
      kHeader);
  const std::string body = export_csv(t);
  EXPECT_TRUE(schema::is_valid_utf8(body));
  EXPECT_NE(body.find("\r\ne1,en,x1,2021-01-01,\"caf\xEF\xBF\xBD, au lait\",s\xEF\xBF\xBD,2,"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find("\r\ne2,en,\"\"\"x2\xEF\xBF\xBD\",2021,,,3,,unterminated_quote,"),
            std::string::npos)
      << body;
}

// A report made from a file that was itself a report keeps one error block.
TEST_F(ErrorReportTest, ReportOfAReportHasOneErrorBlock) {
  store::Task t = task_with_errors(
      "{}",
      {err(2, "e1,en,x1,bad,c1,,2,timestamp,invalid_timestamp,old", "timestamp",
           "invalid_timestamp", "new")},
      R"(["employee_external_id","language","external_id","timestamp","course_id","source",)"
      R"("error_line","error_column","error_code","error_message"])");
  EXPECT_EQ(export_csv(t),
            "employee_external_id,language,external_id,timestamp,course_id,source,"
            "error_line,error_column,error_code,error_message\r\n"
            "e1,en,x1,bad,c1,,2,timestamp,invalid_timestamp,new\r\n");
}

// The whole point: read back with the task's dialect, the report binds
// without ignore_unknown_columns and each row fails exactly as before, until
// its bad value is fixed.
TEST_F(ErrorReportTest, ReadsBackWithTheTasksDialectIntoTheSameErrors) {
  struct Case {
    const char* options;
    char delimiter;
    char quote;
  };
  for (const Case& c : {Case{"{}", ',', '"'}, Case{R"({"delimiter":";"})", ';', '"'},
                        Case{R"({"delimiter":"\t","quote":"'"})", '\t', '\''},
                        Case{R"({"delimiter":"|","quote":"'"})", '|', '\''}}) {
    SCOPED_TRACE(c.options);
    auto row = [&](std::vector<std::string> fields) {
      std::string out;
      for (size_t i = 0; i < fields.size(); ++i) {
        if (i > 0) out += c.delimiter;
        csv::append_field(out, fields[i], c.delimiter, c.quote);
      }
      return out;
    };
    const std::vector<std::vector<std::string>> bad = {
        {"e1", "en", "x1", "2021-02-30", "c, \"1\";|'\t", "multi\nline"},
        {"e2", "xx", "x2", "2021-01-01", "c2", ""},
        {"e3", "en", "x 3", "2021-01-01", "c3", " padded "},
        {"e4", "en", "x4", "2021-01-01", "", "s"}};
    std::vector<store::RowError> errors;
    schema::HeaderBinding original = *schema::HeaderBinding::bind(
        *schema::find_entity("learning"),
        std::vector<std::string_view>{"employee_external_id", "language", "external_id",
                                      "timestamp", "course_id", "source"});
    schema::RowMapper original_mapper(original);
    schema::Event event;
    schema::FieldError fe;
    for (size_t i = 0; i < bad.size(); ++i) {
      std::vector<std::string_view> views(bad[i].begin(), bad[i].end());
      ASSERT_FALSE(original_mapper.map(views, event, fe));
      errors.push_back(err(i + 2, row(bad[i]), fe.field, fe.code, fe.message));
    }
    const std::string body = export_csv(task_with_errors(c.options, errors, kHeader));
    csv::Dialect dialect;
    dialect.delimiter = c.delimiter;
    dialect.quote = c.quote;
    auto rows = read_csv(body, dialect);
    ASSERT_EQ(rows.size(), bad.size() + 1);
    std::vector<std::string_view> header(rows[0].begin(), rows[0].end());
    auto binding = schema::HeaderBinding::bind(*schema::find_entity("learning"), header);
    ASSERT_TRUE(binding.ok()) << binding.error().message;
    schema::RowMapper mapper(*binding);
    for (size_t i = 0; i < bad.size(); ++i) {
      std::vector<std::string>& r = rows[i + 1];
      ASSERT_EQ(r.size(), 10u);
      EXPECT_EQ(std::vector<std::string>(r.begin(), r.begin() + 6), bad[i]);
      EXPECT_EQ(r[6], std::to_string(i + 2));
      EXPECT_EQ(r[7], errors[i].column);
      EXPECT_EQ(r[8], errors[i].code);
      EXPECT_EQ(r[9], errors[i].message);
      std::vector<std::string_view> views(r.begin(), r.end());
      ASSERT_FALSE(mapper.map(views, event, fe));
      EXPECT_EQ(fe.code, errors[i].code);
      EXPECT_EQ(fe.field, errors[i].column);
    }
    // The user fixes each bad value; the rows then load as they are.
    rows[1][3] = "2021-02-28";
    rows[2][1] = "en";
    rows[3][2] = "x3";
    rows[4][4] = "c4";
    for (size_t i = 1; i < rows.size(); ++i) {
      std::vector<std::string_view> views(rows[i].begin(), rows[i].end());
      EXPECT_TRUE(mapper.map(views, event, fe)) << i << ": " << fe.code;
    }
  }
}

TEST(SplitRawRecord, ParsesWithTheTaskDialectAndPadsOrCuts) {
  const std::string semi = R"({"delimiter":";","quote":"'"})";
  EXPECT_EQ(split_raw_record("a;'b;c';d", semi, 0), (std::vector<std::string>{"a", "b;c", "d"}));
  EXPECT_EQ(split_raw_record("a,b", "", 4), (std::vector<std::string>{"a", "b", "", ""}));
  EXPECT_EQ(split_raw_record("a,b,c", "", 2), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(split_raw_record("a,\"b,c", "", 0), (std::vector<std::string>{"a", "\"b", "c"}));
}

}  // namespace
}  // namespace skillsync::tasks
