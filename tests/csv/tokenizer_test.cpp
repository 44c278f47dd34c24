// Each transition of the tokenizer's table, one test case per (state, class).
#include "csv/tokenizer.hpp"

#include <gtest/gtest.h>

#include <string>

namespace skillsync::csv {
namespace {

using A = Action;
using C = CharClass;
using S = State;

struct Case {
  S from;
  C cls;
  S next;
  A action;
};

std::string name(const Case& c) {
  static const char* kClass[] = {"Other", "Delimiter", "Quote", "CR", "LF"};
  return std::string(to_string(c.from)) + "_" + kClass[static_cast<int>(c.cls)];
}

// The grammar, written out independently of the table in tokenizer.hpp.
const Case kCases[] = {
    // A record starts on the first byte that is not a line end.
    {S::kRecordStart, C::kOther, S::kUnquoted, A::kBeginUnquoted},
    {S::kRecordStart, C::kDelimiter, S::kFieldStart, A::kBeginEmpty},
    {S::kRecordStart, C::kQuote, S::kQuoted, A::kBeginQuoted},
    {S::kRecordStart, C::kCR, S::kAfterCR, A::kBlankLine},
    {S::kRecordStart, C::kLF, S::kRecordStart, A::kBlankLine},
    // After a CR, an LF is the rest of the same line end.
    {S::kAfterCR, C::kOther, S::kUnquoted, A::kBeginUnquoted},
    {S::kAfterCR, C::kDelimiter, S::kFieldStart, A::kBeginEmpty},
    {S::kAfterCR, C::kQuote, S::kQuoted, A::kBeginQuoted},
    {S::kAfterCR, C::kCR, S::kAfterCR, A::kBlankLine},
    {S::kAfterCR, C::kLF, S::kRecordStart, A::kNone},
    {S::kFieldStart, C::kOther, S::kUnquoted, A::kNone},
    {S::kFieldStart, C::kDelimiter, S::kFieldStart, A::kEndField},
    {S::kFieldStart, C::kQuote, S::kQuoted, A::kOpenQuote},
    {S::kFieldStart, C::kCR, S::kAfterCR, A::kEndRecord},
    {S::kFieldStart, C::kLF, S::kRecordStart, A::kEndRecord},
    {S::kUnquoted, C::kOther, S::kUnquoted, A::kNone},
    {S::kUnquoted, C::kDelimiter, S::kFieldStart, A::kEndField},
    {S::kUnquoted, C::kQuote, S::kSkipLine, A::kUnexpectedQuote},
    {S::kUnquoted, C::kCR, S::kAfterCR, A::kEndRecord},
    {S::kUnquoted, C::kLF, S::kRecordStart, A::kEndRecord},
    {S::kQuoted, C::kOther, S::kQuoted, A::kNone},
    {S::kQuoted, C::kDelimiter, S::kQuoted, A::kNone},
    {S::kQuoted, C::kQuote, S::kQuoteInQuoted, A::kNone},
    {S::kQuoted, C::kCR, S::kQuoted, A::kQuotedNewline},
    {S::kQuoted, C::kLF, S::kQuoted, A::kQuotedNewline},
    {S::kQuoteInQuoted, C::kOther, S::kSkipLine, A::kTextAfterQuote},
    {S::kQuoteInQuoted, C::kDelimiter, S::kFieldStart, A::kEndField},
    {S::kQuoteInQuoted, C::kQuote, S::kQuoted, A::kEscapedQuote},
    {S::kQuoteInQuoted, C::kCR, S::kAfterCR, A::kEndRecord},
    {S::kQuoteInQuoted, C::kLF, S::kRecordStart, A::kEndRecord},
    {S::kSkipLine, C::kOther, S::kSkipLine, A::kNone},
    {S::kSkipLine, C::kDelimiter, S::kSkipLine, A::kNone},
    {S::kSkipLine, C::kQuote, S::kSkipLine, A::kNone},
    {S::kSkipLine, C::kCR, S::kAfterCR, A::kEndSkipped},
    {S::kSkipLine, C::kLF, S::kRecordStart, A::kEndSkipped},
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << name(c) << " -> " << to_string(c.next) << "/" << to_string(c.action);
}

class TransitionTest : public ::testing::TestWithParam<Case> {};

TEST_P(TransitionTest, MatchesGrammar) {
  const Case& c = GetParam();
  const Transition t = transition(c.from, c.cls);
  EXPECT_EQ(to_string(t.next), to_string(c.next));
  EXPECT_EQ(to_string(t.action), to_string(c.action));
}

INSTANTIATE_TEST_SUITE_P(AllStatesAndClasses, TransitionTest, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return name(info.param); });

TEST(TransitionTable, CasesCoverEveryStateAndClassOnce) {
  bool seen[kStateCount][kCharClassCount] = {};
  for (const Case& c : kCases) {
    bool& s = seen[static_cast<int>(c.from)][static_cast<int>(c.cls)];
    EXPECT_FALSE(s) << name(c);
    s = true;
  }
  for (auto& row : seen) {
    for (bool s : row) EXPECT_TRUE(s);
  }
}

TEST(EofTable, EachState) {
  EXPECT_EQ(eof_action(S::kRecordStart), EofAction::kNone);
  EXPECT_EQ(eof_action(S::kAfterCR), EofAction::kNone);
  EXPECT_EQ(eof_action(S::kFieldStart), EofAction::kEndRecord);
  EXPECT_EQ(eof_action(S::kUnquoted), EofAction::kEndRecord);
  EXPECT_EQ(eof_action(S::kQuoted), EofAction::kUnterminatedQuote);
  EXPECT_EQ(eof_action(S::kQuoteInQuoted), EofAction::kEndRecord);
  EXPECT_EQ(eof_action(S::kSkipLine), EofAction::kEndSkipped);
}

TEST(CharClassifier, DefaultDialect) {
  CharClassifier cls(',', '"');
  EXPECT_EQ(cls(','), C::kDelimiter);
  EXPECT_EQ(cls('"'), C::kQuote);
  EXPECT_EQ(cls('\r'), C::kCR);
  EXPECT_EQ(cls('\n'), C::kLF);
  EXPECT_EQ(cls('a'), C::kOther);
  EXPECT_EQ(cls(';'), C::kOther);
  EXPECT_EQ(cls('\''), C::kOther);
  EXPECT_EQ(cls('\0'), C::kOther);
  EXPECT_EQ(cls('\xff'), C::kOther);
}

TEST(CharClassifier, DelimiterAndQuoteComeFromTheDialect) {
  CharClassifier cls('\t', '\'');
  EXPECT_EQ(cls('\t'), C::kDelimiter);
  EXPECT_EQ(cls('\''), C::kQuote);
  EXPECT_EQ(cls(','), C::kOther);
  EXPECT_EQ(cls('"'), C::kOther);
  CharClassifier high('\xa7', '|');
  EXPECT_EQ(high('\xa7'), C::kDelimiter);
  EXPECT_EQ(high('|'), C::kQuote);
}

}  // namespace
}  // namespace skillsync::csv
