// SqlText: a statement written once for both backends, with PostgreSQL's
// $N placeholders; SQLite gets the same text with ?N (same length, made at
// compile time). Internal to src/store, for the statements that are the
// same in both dialects but for the placeholders (sql_store.hpp).
//
// REQUIRES: the text has no '$' but its placeholders (no dollar quoting, no
// '$' in a literal).
#pragma once

#include <cstddef>

namespace skillsync::store {

template <size_t N>
class SqlText {
 public:
  consteval SqlText(const char (&text)[N]) {  // NOLINT: implicit, from a literal
    for (size_t i = 0; i < N; ++i) {
      dollar_[i] = text[i];
      question_[i] = text[i] == '$' ? '?' : text[i];
    }
  }

  // The text in the placeholder style of `Pool` (its kPlaceholder, '$' or
  // '?'), NUL-terminated, alive as long as this object.
  template <class Pool>
  constexpr const char* in() const {
    return Pool::kPlaceholder == '$' ? dollar_ : question_;
  }

 private:
  char dollar_[N] = {};
  char question_[N] = {};
};

}  // namespace skillsync::store
