// csv/utf8: UTF-8 validation for field text (internal to the csv module).
#pragma once

#include <cstddef>
#include <string_view>

namespace skillsync::csv {

// Returns the offset of the first byte of `text` that does not start or
// continue a well-formed UTF-8 sequence (Unicode Table 3-7: no overlong forms,
// no surrogates, nothing above U+10FFFF, no truncated sequence), or npos if
// all of `text` is valid. ASCII is checked 8 bytes at a time.
size_t find_invalid_utf8(std::string_view text);

}  // namespace skillsync::csv
