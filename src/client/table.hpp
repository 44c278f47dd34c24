// Plain text tables for people: a header row and aligned columns separated by
// two spaces. Cells are used as they are (no wrapping); pure.
#pragma once

#include <string>
#include <vector>

namespace skillsync::client {

using Row = std::vector<std::string>;

// Each row ends in "\n"; trailing blanks are trimmed. Rows shorter than the
// header are padded with empty cells.
std::string render_table(const Row& header, const std::vector<Row>& rows);

}  // namespace skillsync::client
