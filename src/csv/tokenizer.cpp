#include "csv/tokenizer.hpp"

namespace skillsync::csv {

CharClassifier::CharClassifier(char delimiter, char quote) {
  table_.fill(CharClass::kOther);
  table_[static_cast<uint8_t>('\r')] = CharClass::kCR;
  table_[static_cast<uint8_t>('\n')] = CharClass::kLF;
  table_[static_cast<uint8_t>(delimiter)] = CharClass::kDelimiter;
  table_[static_cast<uint8_t>(quote)] = CharClass::kQuote;
}

std::string_view to_string(State s) {
  switch (s) {
    case State::kRecordStart:
      return "RecordStart";
    case State::kAfterCR:
      return "AfterCR";
    case State::kFieldStart:
      return "FieldStart";
    case State::kUnquoted:
      return "Unquoted";
    case State::kQuoted:
      return "Quoted";
    case State::kQuoteInQuoted:
      return "QuoteInQuoted";
    case State::kSkipLine:
      return "SkipLine";
  }
  return "?";
}

std::string_view to_string(Action a) {
  switch (a) {
    case Action::kNone:
      return "None";
    case Action::kBlankLine:
      return "BlankLine";
    case Action::kBeginUnquoted:
      return "BeginUnquoted";
    case Action::kBeginQuoted:
      return "BeginQuoted";
    case Action::kBeginEmpty:
      return "BeginEmpty";
    case Action::kOpenQuote:
      return "OpenQuote";
    case Action::kEndField:
      return "EndField";
    case Action::kEndRecord:
      return "EndRecord";
    case Action::kEscapedQuote:
      return "EscapedQuote";
    case Action::kQuotedNewline:
      return "QuotedNewline";
    case Action::kUnexpectedQuote:
      return "UnexpectedQuote";
    case Action::kTextAfterQuote:
      return "TextAfterQuote";
    case Action::kEndSkipped:
      return "EndSkipped";
  }
  return "?";
}

}  // namespace skillsync::csv
