// `skillsync tasks errors ID [--csv FILE]`: a task's rejected rows. With
// --csv the server's re-uploadable error CSV (Accept: text/csv) is streamed
// into FILE.part and renamed to FILE once complete, so FILE never holds half
// a download; without it the JSON pages are read to the end and shown.
#include <cstdio>
#include <iostream>

#include <boost/json.hpp>

#include "client/commands_internal.hpp"
#include "client/exit_codes.hpp"
#include "client/table.hpp"

namespace skillsync::client {
namespace json = boost::json;
namespace {

std::string errors_path(const std::string& id) {
  return "/integrations/file-load-tasks/" + url_escape(id) + "/errors";
}

std::string cell(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return "";
  return v->is_string() ? std::string(v->as_string()) : json::serialize(*v);
}

}  // namespace

int download_errors_csv(const HttpClient& http, const std::string& id, const std::string& file) {
  const bool to_stdout = file == "-";
  const std::string part = file + ".part";
  std::FILE* out = to_stdout ? std::tmpfile() : std::fopen(part.c_str(), "wb");
  if (out == nullptr) {
    std::cerr << "skillsync: cannot write " << part << ": check the directory and its "
              << "permissions\n";
    return kExitRequestFailed;
  }
  HttpRequest req{"GET", errors_path(id)};
  req.accept = "text/csv";
  req.sink = out;
  auto r = http.send(req);
  const bool ok = r.ok() && r->status == 200 && std::fflush(out) == 0;
  if (ok && to_stdout) {
    std::rewind(out);
    char buf[65536];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, out)) > 0;) std::fwrite(buf, 1, n, stdout);
  }
  std::fclose(out);
  if (!ok) {
    if (!to_stdout) std::remove(part.c_str());
    return report_failure(r, http, "downloading the errors of task " + id);
  }
  if (!to_stdout && std::rename(part.c_str(), file.c_str()) != 0) {
    std::cerr << "skillsync: cannot rename " << part << " to " << file << "\n";
    return kExitRequestFailed;
  }
  if (r->header("x-truncated") == "true") {
    std::cerr << "skillsync: the CSV was cut at the server's limit (100,000 rows or 64 MiB); "
              << "read the rest with: skillsync tasks errors " << id << " --json\n";
  }
  if (!to_stdout) std::cerr << "rejected rows of task " << id << " saved to " << file << "\n";
  return kExitOk;
}

int list_errors(const HttpClient& http, const std::string& id, bool as_json) {
  json::array items;
  std::string cursor;
  for (;;) {
    std::string path = errors_path(id) + "?limit=1000";
    if (!cursor.empty()) path += "&cursor=" + url_escape(cursor);
    auto r = http.get(path);
    if (!r.ok() || r->status != 200) {
      return report_failure(r, http, "reading the errors of task " + id);
    }
    boost::system::error_code ec;
    json::value page = json::parse(r->body, ec);
    if (ec || !page.is_object() || !page.as_object().contains("items")) {
      std::cerr << "skillsync: the server's error page is not JSON\n";
      return kExitRequestFailed;
    }
    for (json::value& v : page.as_object()["items"].as_array()) items.push_back(std::move(v));
    const json::value& next = page.as_object()["next_cursor"];
    if (!next.is_string()) break;
    cursor = std::string(next.as_string());
  }
  if (as_json) {
    std::cout << json::serialize(json::object{{"items", std::move(items)}}) << "\n";
    return kExitOk;
  }
  bool any_file = false;  // only a prefix load names files
  for (const json::value& v : items) any_file = any_file || v.as_object().contains("file");
  std::vector<Row> rows;
  for (const json::value& v : items) {
    const json::object& e = v.as_object();
    Row row = {cell(e, "line"), cell(e, "column"), cell(e, "code"), cell(e, "message")};
    if (any_file) row.insert(row.begin(), cell(e, "file"));
    rows.push_back(std::move(row));
  }
  Row header = {"LINE", "COLUMN", "CODE", "MESSAGE"};
  if (any_file) header.insert(header.begin(), "FILE");
  std::cout << render_table(header, rows);
  std::cout << "rejected rows: " << rows.size() << "; as a CSV to fix and load again: skillsync "
            << "tasks errors " << id << " --csv errors.csv\n";
  return kExitOk;
}

}  // namespace skillsync::client
