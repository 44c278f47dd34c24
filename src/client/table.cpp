// Text tables (see table.hpp).
#include "client/table.hpp"

#include <algorithm>

namespace skillsync::client {
namespace {

void append_row(std::string& out, const Row& row, const std::vector<size_t>& widths) {
  std::string line;
  for (size_t i = 0; i < widths.size(); ++i) {
    const std::string cell = i < row.size() ? row[i] : std::string();
    line += cell;
    if (i + 1 < widths.size()) line.append(widths[i] - cell.size() + 2, ' ');
  }
  line.erase(line.find_last_not_of(' ') + 1);
  out += line + "\n";
}

}  // namespace

std::string render_table(const Row& header, const std::vector<Row>& rows) {
  std::vector<size_t> widths(header.size());
  for (size_t i = 0; i < header.size(); ++i) widths[i] = header[i].size();
  for (const Row& r : rows) {
    for (size_t i = 0; i < widths.size() && i < r.size(); ++i) {
      widths[i] = std::max(widths[i], r[i].size());
    }
  }
  std::string out;
  append_row(out, header, widths);
  for (const Row& r : rows) append_row(out, r, widths);
  return out;
}

}  // namespace skillsync::client
