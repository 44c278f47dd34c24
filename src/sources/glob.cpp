// sources/glob: compiling and matching source patterns (see glob.hpp).
//
// Matching runs a set of positions in the pattern over the key (an NFA
// simulation): O(tokens x key) time and O(tokens) memory for any input.
#include "sources/glob.hpp"

#include <algorithm>

namespace skillsync::sources {
namespace {

Error invalid(std::string message) { return Error{"invalid_pattern", std::move(message)}; }

// Parses a class starting after '['; `i` ends after the closing ']'.
Result<Glob::Token> parse_class(std::string_view p, size_t& i) {
  Glob::Token t;
  t.kind = Glob::Token::kClass;
  if (i < p.size() && p[i] == '!') {
    t.negated = true;
    ++i;
  }
  bool first = true;
  while (i < p.size() && (p[i] != ']' || first)) {
    char lo = p[i++];
    if (lo == '\\' && i < p.size()) lo = p[i++];
    char hi = lo;
    if (i + 1 < p.size() && p[i] == '-' && p[i + 1] != ']') {
      hi = p[i + 1];
      i += 2;
      if (hi == '\\' && i < p.size()) hi = p[i++];
      if (static_cast<unsigned char>(hi) < static_cast<unsigned char>(lo)) {
        return invalid("pattern has a reversed range in [...]");
      }
    }
    t.ranges.emplace_back(lo, hi);
    first = false;
  }
  if (i >= p.size()) return invalid("pattern has an unclosed '['");
  ++i;  // ']'
  return t;
}

bool class_matches(const Glob::Token& t, char c) {
  if (c == '/') return false;
  const auto u = static_cast<unsigned char>(c);
  bool in = std::any_of(t.ranges.begin(), t.ranges.end(), [u](const auto& r) {
    return static_cast<unsigned char>(r.first) <= u && u <= static_cast<unsigned char>(r.second);
  });
  return in != t.negated;
}

}  // namespace

Result<Glob> Glob::compile(std::string_view p) {
  if (p.empty()) return invalid("pattern is empty");
  if (p.size() > kMaxPatternBytes) return invalid("pattern is longer than 1024 bytes");
  Glob g;
  size_t i = 0;
  while (i < p.size()) {
    const char c = p[i++];
    Token t;
    if (c == '*') {
      t.kind = Token::kStar;
      if (i < p.size() && p[i] == '*') {
        t.kind = Token::kStarStar;
        while (i < p.size() && p[i] == '*') ++i;
      }
    } else if (c == '?') {
      t.kind = Token::kAny;
    } else if (c == '[') {
      SKILLSYNC_ASSIGN_OR_RETURN(auto cls, parse_class(p, i));
      t = std::move(cls);
    } else if (c == '\\') {
      if (i >= p.size()) return invalid("pattern ends with a lone '\\'");
      t.c = p[i++];
    } else {
      t.c = c;
    }
    g.tokens_.push_back(std::move(t));
  }
  return g;
}

bool Glob::matches(std::string_view key) const {
  const size_t n = tokens_.size();
  // live[j]: the pattern's first j tokens match the key read so far;
  // entered[j]: ... and token j was reached just now, not by a "**" that
  // consumed the last character (only then may "**/" match no directory).
  std::vector<char> live(n + 2, 0), next(n + 2, 0), entered(n + 2, 0), next_entered(n + 2, 0);
  auto close = [&](std::vector<char>& set, std::vector<char>& fresh) {
    for (size_t j = 0; j < n; ++j) {
      if (!set[j]) continue;
      const Token& t = tokens_[j];
      if (t.kind == Token::kStar || t.kind == Token::kStarStar) set[j + 1] = fresh[j + 1] = 1;
      if (t.kind == Token::kStarStar && fresh[j] && j + 1 < n &&
          tokens_[j + 1].kind == Token::kLiteral && tokens_[j + 1].c == '/') {
        set[j + 2] = fresh[j + 2] = 1;
      }
    }
  };
  live[0] = entered[0] = 1;
  close(live, entered);
  for (char c : key) {
    std::fill(next.begin(), next.end(), 0);
    std::fill(next_entered.begin(), next_entered.end(), 0);
    for (size_t j = 0; j < n; ++j) {
      if (!live[j]) continue;
      const Token& t = tokens_[j];
      bool advance = false;
      switch (t.kind) {
        case Token::kLiteral:
          advance = t.c == c;
          break;
        case Token::kAny:
          advance = c != '/';
          break;
        case Token::kClass:
          advance = class_matches(t, c);
          break;
        case Token::kStar:
          if (c != '/') next[j] = 1;
          break;
        case Token::kStarStar:
          next[j] = 1;
          break;
      }
      if (advance) next[j + 1] = next_entered[j + 1] = 1;
    }
    close(next, next_entered);
    if (std::none_of(next.begin(), next.end(), [](char v) { return v != 0; })) return false;
    live.swap(next);
    entered.swap(next_entered);
  }
  return live[n] != 0;
}

}  // namespace skillsync::sources
