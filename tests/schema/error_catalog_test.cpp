// The error catalog is complete: every code skillsync can emit has a line in
// src/schema/error_catalog.cpp and so in docs/errors.md.
//
// Two sources of "every code": the Errc enum (the codes callers branch on),
// and a scan of src/ for the forms that build an error from a literal code
// (`Error{"code", ...}`, `Error("code", ...)`, `error(404, "code", ...)`, a
// 422 detail `{"field", "code", "message"}` or `add(errors, "field", "code",
// ...)`, an attempt's or a check's `.error = "code..."`). Codes built any
// other way (the source checker's "tasks_failing: ..." text, the store's
// SQLSTATE mapping) are listed by hand.
// A code added later in one of those forms without a catalog line fails here.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>

#include "common/errc.hpp"
#include "schema/docs.hpp"

namespace skillsync::schema {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

size_t skip_space(const std::string& t, size_t i) {
  while (i < t.size() && (t[i] == ' ' || t[i] == '\n' || t[i] == '\t' || t[i] == '\r')) ++i;
  return i;
}

bool is_code_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// The code a string literal at `i` (after spaces) holds: the literal's
// leading [A-Za-z0-9_] run, ended by `"` (or also by `:` when `prefix_ok`,
// for `"code: message"` texts). Sets *end past the literal's code.
std::optional<std::string> code_literal(const std::string& t, size_t i, bool prefix_ok,
                                        size_t* end = nullptr) {
  i = skip_space(t, i);
  if (i >= t.size() || t[i] != '"') return std::nullopt;
  size_t j = i + 1;
  while (j < t.size() && is_code_char(t[j])) ++j;
  if (j == i + 1 || j >= t.size()) return std::nullopt;
  if (t[j] != '"' && !(prefix_ok && t[j] == ':')) return std::nullopt;
  if (end != nullptr) *end = j + 1;
  return t.substr(i + 1, j - i - 1);
}

// After `at`: `[ws] "x" [ws] ,` (a field name, an HTTP status, ...) skipped.
size_t skip_first_argument(const std::string& t, size_t at) {
  size_t i = skip_space(t, at);
  while (i < t.size() && t[i] != ',' && t[i] != ')' && t[i] != '\n') ++i;
  return (i < t.size() && t[i] == ',') ? i + 1 : std::string::npos;
}

using Found = std::map<std::string, std::string>;  // code -> where first seen

void scan_text(const std::string& t, const std::string& file, Found* found) {
  auto note = [&](std::optional<std::string> code) {
    if (code) found->emplace(*code, file);
  };
  for (const char* opener : {"Error{", "Error("}) {
    for (size_t p = t.find(opener); p != std::string::npos; p = t.find(opener, p + 1)) {
      note(code_literal(t, p + 6, false));
    }
  }
  // error(404, "code", ...), json_error(...), send_error(...), FieldError
  // lists {{"field", "code", ...}}, push_back({"field", "code", ...}) and
  // add(errors, "field", "code", ...): the code is the second argument.
  for (const char* opener : {"error(", "push_back({", "{{", "add(errors,"}) {
    for (size_t p = t.find(opener); p != std::string::npos; p = t.find(opener, p + 1)) {
      const size_t at = p + std::string_view(opener).size();
      const bool status = std::string_view(opener) == "error(";
      const size_t first = skip_space(t, at);
      if (status && !(first < t.size() && t[first] >= '1' && t[first] <= '5')) continue;
      if (!status && !code_literal(t, at, false)) continue;
      const size_t second = skip_first_argument(t, at);
      if (second == std::string::npos) continue;
      size_t end = 0;
      auto code = code_literal(t, second, false, &end);
      // A detail is followed by its message; a JSON pair {"type", "string"} is not.
      if (code && (status || t[skip_space(t, end)] == ',')) note(code);
    }
  }
  // A delivery attempt's or a source check's error: `x.error = "code..."`,
  // also both branches of `cond ? "a" : "b"`.
  for (size_t p = t.find(".error = "); p != std::string::npos; p = t.find(".error = ", p + 1)) {
    const size_t stop = t.find(';', p);
    for (size_t q = t.find('"', p); q < stop; q = t.find('"', q + 1)) {
      note(code_literal(t, q, true));
      q = t.find('"', q + 1);  // the literal's closing quote
      if (q == std::string::npos) break;
    }
  }
}

// Every code written in one of the scanned forms in src/.
Found codes_in_sources() {
  Found found;
  for (const auto& entry : fs::recursive_directory_iterator(SKILLSYNC_SOURCE_DIR)) {
    const std::string ext = entry.path().extension().string();
    if (!entry.is_regular_file() || (ext != ".cpp" && ext != ".hpp")) continue;
    // OpenAPI documents are JSON written as C++: their pairs are no errors.
    if (entry.path().filename().string().rfind("openapi", 0) == 0) continue;
    scan_text(read_file(entry.path()),
              fs::relative(entry.path(), SKILLSYNC_SOURCE_DIR).generic_string(), &found);
  }
  return found;
}

constexpr const char* kHowToFix =
    " is not in the error catalog: add a line with what it means and what to do to "
    "src/schema/error_catalog.cpp, then regenerate docs/errors.md (render_docs)";

std::string committed_errors_md() { return read_file(fs::path(SKILLSYNC_DOCS_DIR) / "errors.md"); }

bool documented(const std::string& md, std::string_view code) {
  return md.find("| `" + std::string(code) + "` | ") != std::string::npos;
}

TEST(ErrorCatalogCompleteTest, EveryErrcIsListedAndDocumented) {
  const std::string md = committed_errors_md();
  int count = 0;
  // errc_name answers "internal" past the last enumerator.
  for (int i = 0; i < 1000 && errc_name(static_cast<Errc>(i)) != "internal"; ++i, ++count) {
    const std::string_view code = errc_name(static_cast<Errc>(i));
    EXPECT_NE(find_error_code(code), nullptr) << "Errc " << i << " (" << code << ")" << kHowToFix;
    EXPECT_TRUE(documented(md, code)) << code << " has no line in docs/errors.md";
  }
  EXPECT_GE(count, 18);
}

TEST(ErrorCatalogCompleteTest, EveryCodeWrittenInSrcIsListedAndDocumented) {
  const Found found = codes_in_sources();
  const std::string md = committed_errors_md();
  for (const auto& [code, file] : found) {
    EXPECT_NE(find_error_code(code), nullptr) << code << " (src/" << file << ")" << kHowToFix;
    EXPECT_TRUE(documented(md, code)) << code << " (src/" << file << ") is not in docs/errors.md";
  }
  // The scan itself still sees each form (so a refactor cannot blind it).
  for (const char* code : {"header_mismatch", "no_objects", "too_many_objects", "headers_too_large",
                           "server_busy", "invalid_status", "duplicate_event_type", "endpoint_gone",
                           "invalid_source", "not_allowed"}) {
    EXPECT_TRUE(found.contains(code)) << "the scan of src/ no longer finds " << code;
  }
  EXPECT_GE(found.size(), 80u);
}

TEST(ErrorCatalogCompleteTest, TheScanReadsEachForm) {
  Found found;
  scan_text(R"(return Error{"a_1", "m"}; Error("b",
      "m"); error(409, "c", "m"); json_error(
      503, "d", x); push_back({"f", "e", "m"}); {{"f", "g", "m"}}; add(errors, "f", "h", "m");
      r.error = ok ? "i" : "j"; s.error = "k: why"; {{"type", "string"}}; error(x, "no");
      Error{std::move(c), "not_this"};)",
            "x.cpp", &found);
  Found want;
  for (const char* c : {"a_1", "b", "c", "d", "e", "g", "h", "i", "j", "k"}) want[c] = "x.cpp";
  EXPECT_EQ(found, want);
}

}  // namespace
}  // namespace skillsync::schema
