#include "csv/dialect_options.hpp"

#include <string>

namespace skillsync::csv {

namespace {

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != b[i]) return false;
  }
  return true;
}

}  // namespace

Result<Dialect> make_dialect(std::optional<std::string_view> delimiter,
                             std::optional<std::string_view> quote, Dialect base) {
  if (delimiter) {
    const std::string_view d = *delimiter;
    if (d == "," || d == ";" || d == "|" || d == "\t") {
      base.delimiter = d[0];
    } else if (equals_ignoring_case(d, "tab")) {
      base.delimiter = '\t';
    } else {
      return Error{"invalid_option",
                   "options.delimiter must be one of \",\", \";\", \"|\" or a tab (\"\\t\" or "
                   "\"tab\")"};
    }
  }
  if (quote) {
    if (*quote == "\"" || *quote == "'") {
      base.quote = (*quote)[0];
    } else {
      return Error{"invalid_option", "options.quote must be \"\\\"\" or \"'\""};
    }
  }
  // Only a caller's own `base` can make these equal; the values above never do.
  if (base.delimiter == base.quote) {
    return Error{"invalid_option", "options.delimiter and options.quote must differ"};
  }
  return base;
}

}  // namespace skillsync::csv
