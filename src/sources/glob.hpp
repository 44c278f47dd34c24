// sources/glob: the `pattern` of a source, matched against an object's key
// below the source's prefix.
//
// Syntax (documented in docs/api.md, "Sources"):
//   *        any run of characters except '/'
//   **       any run of characters, '/' included ("**/" also matches no
//            directory at all: "**/a.csv" matches "a.csv" and "x/y/a.csv")
//   ?        one character except '/'
//   [abc]    one of the listed characters; ranges "a-z"; "[!...]" negates;
//            a ']' first in the class is literal; never matches '/'
//   \c       the character c itself
//   anything else matches itself (case-sensitive, bytes).
// Matching is linear in pattern x key (no backtracking blow-up).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace skillsync::sources {

inline constexpr size_t kMaxPatternBytes = 1024;

class Glob {
 public:
  // Fails with "invalid_pattern" (empty, too long, an unclosed '[', a
  // reversed range, a trailing '\').
  static Result<Glob> compile(std::string_view pattern);
  bool matches(std::string_view key) const;

  struct Token {
    enum Kind { kLiteral, kAny, kStar, kStarStar, kClass } kind = kLiteral;
    char c = 0;                                 // kLiteral
    bool negated = false;                       // kClass
    std::vector<std::pair<char, char>> ranges;  // kClass (inclusive)
  };

 private:
  std::vector<Token> tokens_;
};

}  // namespace skillsync::sources
