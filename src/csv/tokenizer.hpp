// csv/tokenizer: the RFC 4180 state machine as data.
//
// Internal to the csv module (tests include it to check each transition).
// In the style of DuckDB's csv_scanner, the tokenizer is a table indexed by
// [state][character class]: every byte is classified once (delimiter, quote,
// CR, LF or other; the delimiter and quote bytes come from the Dialect), and
// the table gives the next state plus one Action that the record reader
// carries out (start a field, end a record, report an error, ...). Keeping
// the grammar in a table keeps the buffering code free of parsing decisions
// and lets each transition be tested on its own.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace skillsync::csv {

// Character classes. The order matters to the reader's fast loops: a byte
// whose class is below kQuote never leaves kQuoted, one below kCR never
// leaves kSkipLine, and only kOther stays in kUnquoted.
enum class CharClass : uint8_t { kOther = 0, kDelimiter, kQuote, kCR, kLF };
inline constexpr int kCharClassCount = 5;

enum class State : uint8_t {
  kRecordStart,    // at the start of a line, no record begun yet
  kAfterCR,        // a CR ended a line; an LF here belongs to the same line end
  kFieldStart,     // after a delimiter: the next field has not started yet
  kUnquoted,       // inside an unquoted field
  kQuoted,         // inside a quoted field
  kQuoteInQuoted,  // saw a quote inside a quoted field: "" escape or closing quote
  kSkipLine,       // the record is bad: discard bytes up to the end of the line
};
inline constexpr int kStateCount = 7;

enum class Action : uint8_t {
  kNone,             // consume the byte; the state change says it all
  kBlankLine,        // a line end with no record on the line: count the line
  kBeginUnquoted,    // a record begins with an unquoted field at this byte
  kBeginQuoted,      // a record begins with a quoted field (this byte is the quote)
  kBeginEmpty,       // a record begins with an empty first field (this byte is a delimiter)
  kOpenQuote,        // the current field is quoted; its text starts after this byte
  kEndField,         // a delimiter ends the current field
  kEndRecord,        // a line end ends the current field and the record
  kEscapedQuote,     // the second quote of "": one quote character of field text
  kQuotedNewline,    // CR or LF inside quotes: field text that also ends a physical line
  kUnexpectedQuote,  // error: a quote inside an unquoted field
  kTextAfterQuote,   // error: something other than delimiter or line end after a closing quote
  kEndSkipped,       // a line end ends a bad record that was being skipped
};

struct Transition {
  State next;
  Action action;
  bool operator==(const Transition&) const = default;
};

// What end of input means in each state.
enum class EofAction : uint8_t {
  kNone,               // no record open: the stream simply ends
  kEndRecord,          // the last record had no final line end: it is a record
  kUnterminatedQuote,  // the input ended inside quotes
  kEndSkipped,         // the input ended while skipping a bad record
};

namespace detail {
using S = State;
using A = Action;
// Rows: states in declaration order. Columns: other, delimiter, quote, CR, LF.
inline constexpr Transition kTable[kStateCount][kCharClassCount] = {
    // kRecordStart
    {{S::kUnquoted, A::kBeginUnquoted},
     {S::kFieldStart, A::kBeginEmpty},
     {S::kQuoted, A::kBeginQuoted},
     {S::kAfterCR, A::kBlankLine},
     {S::kRecordStart, A::kBlankLine}},
    // kAfterCR: as kRecordStart, except that an LF completes the CRLF.
    {{S::kUnquoted, A::kBeginUnquoted},
     {S::kFieldStart, A::kBeginEmpty},
     {S::kQuoted, A::kBeginQuoted},
     {S::kAfterCR, A::kBlankLine},
     {S::kRecordStart, A::kNone}},
    // kFieldStart
    {{S::kUnquoted, A::kNone},
     {S::kFieldStart, A::kEndField},
     {S::kQuoted, A::kOpenQuote},
     {S::kAfterCR, A::kEndRecord},
     {S::kRecordStart, A::kEndRecord}},
    // kUnquoted
    {{S::kUnquoted, A::kNone},
     {S::kFieldStart, A::kEndField},
     {S::kSkipLine, A::kUnexpectedQuote},
     {S::kAfterCR, A::kEndRecord},
     {S::kRecordStart, A::kEndRecord}},
    // kQuoted: everything but a quote is field text.
    {{S::kQuoted, A::kNone},
     {S::kQuoted, A::kNone},
     {S::kQuoteInQuoted, A::kNone},
     {S::kQuoted, A::kQuotedNewline},
     {S::kQuoted, A::kQuotedNewline}},
    // kQuoteInQuoted
    {{S::kSkipLine, A::kTextAfterQuote},
     {S::kFieldStart, A::kEndField},
     {S::kQuoted, A::kEscapedQuote},
     {S::kAfterCR, A::kEndRecord},
     {S::kRecordStart, A::kEndRecord}},
    // kSkipLine
    {{S::kSkipLine, A::kNone},
     {S::kSkipLine, A::kNone},
     {S::kSkipLine, A::kNone},
     {S::kAfterCR, A::kEndSkipped},
     {S::kRecordStart, A::kEndSkipped}},
};
inline constexpr EofAction kEofTable[kStateCount] = {
    EofAction::kNone,               // kRecordStart
    EofAction::kNone,               // kAfterCR
    EofAction::kEndRecord,          // kFieldStart: "a," ends with an empty field
    EofAction::kEndRecord,          // kUnquoted
    EofAction::kUnterminatedQuote,  // kQuoted
    EofAction::kEndRecord,          // kQuoteInQuoted: the quote closed the field
    EofAction::kEndSkipped,         // kSkipLine
};
}  // namespace detail

// The transition for a byte of class `c` seen in state `s`.
inline Transition transition(State s, CharClass c) {
  return detail::kTable[static_cast<int>(s)][static_cast<int>(c)];
}

// What to do if the input ends in state `s`.
inline EofAction eof_action(State s) { return detail::kEofTable[static_cast<int>(s)]; }

// Maps each byte to its class for one dialect.
// REQUIRES: delimiter and quote are distinct and neither is CR or LF.
class CharClassifier {
 public:
  CharClassifier(char delimiter, char quote);
  CharClass operator()(char c) const { return table_[static_cast<uint8_t>(c)]; }

 private:
  std::array<CharClass, 256> table_{};
};

// Names for test failure messages and debugging.
std::string_view to_string(State s);
std::string_view to_string(Action a);

}  // namespace skillsync::csv
