// common/utf8: the one UTF-8 validator of the code base. The CSV reader
// checks every field with it (a hot path: ASCII is checked 8 bytes at a
// time), the schema checks text values with it, and the error report uses
// it to turn arbitrary bytes into valid UTF-8.
//
// "Well-formed" is Unicode's definition (Table 3-7): no overlong forms, no
// UTF-16 surrogates (U+D800..U+DFFF), nothing above U+10FFFF and no
// truncated sequence. U+0000 is well-formed (a caller that cannot store it,
// such as a PostgreSQL TEXT column, must check for it itself).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace skillsync::utf8 {

// Returns the offset of the first byte of `text` that does not start or
// continue a well-formed UTF-8 sequence, or std::string_view::npos if all of
// `text` is well-formed. Never allocates.
size_t find_invalid(std::string_view text);

// True when all of `text` is well-formed UTF-8. Never allocates.
inline bool is_valid(std::string_view text) { return find_invalid(text) == std::string_view::npos; }

// The length of the longest prefix of `text` that is well-formed UTF-8 (so
// text.size() when all of it is). The prefix never ends inside a sequence.
inline size_t valid_prefix_length(std::string_view text) {
  const size_t bad = find_invalid(text);
  return bad == std::string_view::npos ? text.size() : bad;
}

// Returns the length (1-4) of the well-formed sequence at the start of
// `text`, or 0 when it is ill-formed; then `*bad` (if not null) is set to
// the length of its maximal ill-formed subpart (1-3), the unit that Unicode's
// "U+FFFD substitution of maximal subparts" replaces.
// REQUIRES: !text.empty()
size_t sequence_length(std::string_view text, size_t* bad = nullptr);

// Appends `text` to `out` with every maximal ill-formed subpart replaced by
// U+FFFD (EF BF BD), so what is appended is always well-formed UTF-8. Valid
// runs are appended in one piece.
void append_valid(std::string& out, std::string_view text);

}  // namespace skillsync::utf8
