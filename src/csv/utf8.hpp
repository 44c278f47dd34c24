// csv/utf8: UTF-8 validation for field text (internal to the csv module).
// The validator itself is common/utf8.hpp, shared with schema and api.
#pragma once

#include <cstddef>
#include <string_view>

#include "common/utf8.hpp"

namespace skillsync::csv {

// Returns the offset of the first byte of `text` that does not start or
// continue a well-formed UTF-8 sequence (Unicode Table 3-7: no overlong forms,
// no surrogates, nothing above U+10FFFF, no truncated sequence), or npos if
// all of `text` is valid. ASCII is checked 8 bytes at a time.
inline size_t find_invalid_utf8(std::string_view text) { return utf8::find_invalid(text); }

}  // namespace skillsync::csv
