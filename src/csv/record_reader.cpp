// RecordReader: runs the tokenizer's transition table over a bounded read
// buffer and turns its actions into records and RecordErrors.
//
// Buffer layout: buf[0, end) holds input bytes, buf[0] being at stream offset
// `base`; `pos` is the next byte to classify. While a record is open, all of
// its bytes from `rec.begin` stay in the buffer (fields are views into it),
// except in discard mode, where a record already known to be bad is skipped
// without keeping its bytes. Scanning of an open record stops at `rec.limit`,
// one byte past max_record_bytes, which is how an over-long record is caught
// at the same byte whatever the read sizes are.
#include <algorithm>
#include <cstring>
#include <optional>
#include <string>

#include "csv/csv.hpp"
#include "csv/record_state.hpp"
#include "csv/scanner.hpp"
#include "csv/tokenizer.hpp"

namespace skillsync::csv {

namespace {

constexpr size_t kMinReadBuffer = 16;
// Keeps rec_begin + limit + 1 and the buffer size from overflowing size_t.
constexpr size_t kMaxRecordLimit = size_t{1} << 40;

std::optional<Error> check_dialect(const Dialect& d) {
  auto bad = [](char c) { return c == '\r' || c == '\n'; };
  if (d.delimiter == d.quote || bad(d.delimiter) || bad(d.quote)) {
    return Error{"invalid_dialect",
                 "the delimiter and quote must be two different characters, neither CR nor LF"};
  }
  return std::nullopt;
}

}  // namespace

struct RecordReader::Impl {
  Impl(ByteReader& in, const Dialect& d, Position start_at)
      : input(in),
        base(start_at.byte_offset),
        line(start_at.line),
        resumed(start_at.byte_offset > 0),
        scan(d.delimiter, d.quote),
        failure(check_dialect(d)),
        read_size(std::max(d.read_buffer_bytes, kMinReadBuffer)),
        rec(d, std::min(d.max_record_bytes, kMaxRecordLimit)) {
    cap = read_size;
    max_cap = rec.max_record + read_size;
    buf = std::make_unique_for_overwrite<char[]>(cap);
    if (start_at.after_cr) state = State::kAfterCR;
  }

  Result<Item> next();
  bool start_or_fail();
  // The hot steps of next(), always inlined into it: GCC 12 at -O3 left
  // them as calls, and the reader then ran 27% more instructions.
  [[gnu::always_inline]] void skip_quiet_bytes(const char* b, size_t lim);
  [[gnu::always_inline]] bool act(Action action, const char* b, size_t p, size_t& lim);
  [[gnu::always_inline]] std::optional<Item> scan_buffered();
  std::optional<Item> at_input_end();
  Status start();
  Result<size_t> refill();
  void compact(size_t keep);
  void grow();
  void begin_record(size_t p);
  void on_overflow();
  void on_quote_error(size_t p, std::string what);
  bool rewind_to_first_line_end(size_t stop);
  size_t limit() const { return rec.open && !rec.discarding ? std::min(end, rec.limit) : end; }

  ByteReader& input;
  uint64_t base = 0;     // stream offset of buf[0]
  uint64_t line = 1;     // physical line of `pos` while no record is open
  bool resumed = false;  // started mid-file: there is no BOM to look for
  Scanner scan;
  std::optional<Error> failure;  // sticky: a bad dialect or an input error
  size_t read_size;              // bytes the buffer holds when no long record is open

  std::unique_ptr<char[]> buf;
  size_t cap = 0;
  size_t max_cap = 0;
  size_t pos = 0;
  size_t end = 0;
  bool started = false;
  bool eof = false;

  State state = State::kRecordStart;
  RecordState rec;
};

Status RecordReader::Impl::start() {
  started = true;
  if (resumed) return ok_status();
  // Gather three bytes (or the whole input, if shorter) to look for a BOM.
  while (end < 3 && !eof) {
    SKILLSYNC_ASSIGN_OR_RETURN(auto n, input.read(std::span<char>(buf.get() + end, cap - end)));
    if (n == 0) eof = true;
    end += n;
  }
  if (end >= 3 && std::memcmp(buf.get(), "\xEF\xBB\xBF", 3) == 0) pos = 3;
  return ok_status();
}

void RecordReader::Impl::compact(size_t keep) {
  std::memmove(buf.get(), buf.get() + keep, end - keep);
  end -= keep;
  pos -= keep;
  base += keep;
  rec.shift(keep);
}

void RecordReader::Impl::grow() {
  const size_t new_cap = std::min(max_cap, std::max(cap * 2, end + read_size));
  auto bigger = std::make_unique_for_overwrite<char[]>(new_cap);
  std::memcpy(bigger.get(), buf.get(), end);
  buf = std::move(bigger);
  cap = new_cap;
}

// REQUIRES: pos == end. Returns the number of bytes read (0 at the end).
Result<size_t> RecordReader::Impl::refill() {
  if (rec.open && rec.discarding) rec.flush_discarded(buf.get(), end);
  const size_t keep = rec.open ? rec.begin : end;
  const size_t min_read = read_size / 2;
  if (keep > 0 && (keep == end || cap - end < min_read)) compact(keep);
  if (cap - end < min_read && cap < max_cap) grow();
  SKILLSYNC_ASSIGN_OR_RETURN(auto n, input.read(std::span<char>(buf.get() + end, cap - end)));
  end += n;
  return n;
}

void RecordReader::Impl::begin_record(size_t p) { rec.begin_at(p, base + p, line); }

// The record reached max_record_bytes + 1 bytes without ending.
void RecordReader::Impl::on_overflow() {
  if (state == State::kQuoted) {
    rec.set_structural_error(rec.fields.size() + 1, "unterminated_quote",
                             "quoted field " + std::to_string(rec.fields.size() + 1) +
                                 " is still open when the record passes the " +
                                 std::to_string(rec.max_record) + " byte limit");
    if (rewind_to_first_line_end(pos)) return;
  } else if (state != State::kSkipLine) {
    rec.set_structural_error(
        0, "record_too_long",
        "record is over the " + std::to_string(rec.max_record) + " byte limit");
  }
  state = State::kSkipLine;
  rec.discarding = true;
}

// A quote where none may be (buf[p]). If a quoted field with a line end in
// it came first, the likeliest cause is a quote left open on the record's
// first line that a quote of some later row happened to close: the rows in
// between are good ones. So, as for an unterminated quote, only the first
// line is rejected and parsing resumes on the next one; if that line was
// really part of a field, it shows up as a bad row of its own.
void RecordReader::Impl::on_quote_error(size_t p, std::string what) {
  const size_t column = rec.fields.size() + 1;
  if (!rec.had_newline) {
    rec.set_structural_error(column, "unexpected_quote", std::move(what));
    return;
  }
  const uint64_t first = rec.first_line();
  const uint64_t here = first + count_line_ends(buf.get() + rec.begin, p - rec.begin);
  rec.set_structural_error(
      rec.newline_column, "unexpected_quote",
      what + " on line " + std::to_string(here) + ", in a record whose quoted field " +
          std::to_string(rec.newline_column) + " runs past the end of line " +
          std::to_string(first) + "; line " + std::to_string(first) +
          " is rejected and reading resumes on line " + std::to_string(first + 1));
  // The record's bytes are all in the buffer (no discard mode before a
  // structural error), and one of them is a line end.
  rewind_to_first_line_end(p);
}

// For an unterminated quote: drops what was parsed of the record and makes
// the line end that closes the record's first physical line the next byte,
// in kSkipLine, so the bad record is reported as that one line and parsing
// resumes on the line after it. Returns false if the first line does not
// end before `stop`.
bool RecordReader::Impl::rewind_to_first_line_end(size_t stop) {
  const char* b = buf.get();
  for (size_t k = rec.begin; k < stop; ++k) {
    if (b[k] == '\r' || b[k] == '\n') {
      pos = k;
      state = State::kSkipLine;
      rec.had_newline = false;
      return true;
    }
  }
  return false;
}

// The first call's start(); false (and `failure` set) if reading failed.
bool RecordReader::Impl::start_or_fail() {
  Status s = start();
  if (s.ok()) return true;
  failure = s.error();
  return false;
}

// Moves pos past the bytes that leave `state` unchanged and need no action.
inline void RecordReader::Impl::skip_quiet_bytes(const char* b, size_t lim) {
  switch (state) {
    case State::kUnquoted:
      pos = scan.skip_unquoted(b, pos, lim);
      break;
    case State::kQuoted:
      pos = scan.skip_quoted(b, pos, lim);
      break;
    case State::kSkipLine:
      pos = scan.skip_line(b, pos, lim);
      break;
    default:
      break;
  }
}

// Does the table's action for byte p; true when it ends a record there.
inline bool RecordReader::Impl::act(Action action, const char* b, size_t p, size_t& lim) {
  switch (action) {
    case Action::kNone:
      return false;
    case Action::kBlankLine:
      ++line;
      return false;
    case Action::kBeginUnquoted:
      begin_record(p);
      lim = limit();
      return false;
    case Action::kBeginQuoted:
      begin_record(p);
      rec.open_quote(p);
      lim = limit();
      return false;
    case Action::kBeginEmpty:
      begin_record(p);
      rec.end_field(b, p);
      lim = limit();
      return false;
    case Action::kOpenQuote:
      rec.open_quote(p);
      return false;
    case Action::kEndField:
      rec.end_field(b, p);
      return false;
    case Action::kEscapedQuote:
      rec.escaped_quote(b, p);
      return false;
    case Action::kQuotedNewline:
      if (!rec.had_newline) rec.newline_column = rec.fields.size() + 1;
      rec.had_newline = true;
      return false;
    case Action::kUnexpectedQuote:
      on_quote_error(p, "quote inside unquoted field " + std::to_string(rec.fields.size() + 1));
      return false;
    case Action::kTextAfterQuote:
      on_quote_error(
          p, "text after the closing quote of field " + std::to_string(rec.fields.size() + 1));
      return false;
    case Action::kEndRecord:
      rec.end_field(b, p);
      return true;
    case Action::kEndSkipped:
      return true;
  }
  return false;
}

// Runs the table over buf[pos, limit()): the record (or error) that ends
// there, or nothing when the buffered bytes run out first.
inline std::optional<RecordReader::Item> RecordReader::Impl::scan_buffered() {
  size_t lim = limit();
  while (pos < lim) {
    const char* b = buf.get();
    skip_quiet_bytes(b, lim);
    if (pos == lim) break;
    const Transition t = transition(state, scan.cls(b[pos]));
    state = t.next;
    const size_t p = pos++;
    if (act(t.action, b, p, lim)) return rec.finish(b, p, /*line_end=*/true, line);
  }
  return std::nullopt;
}

// The input has ended at `pos`: the last record, kEnd, or nothing when an
// unterminated quote rewound to the record's first line end.
std::optional<RecordReader::Item> RecordReader::Impl::at_input_end() {
  const char* b = buf.get();
  switch (eof_action(state)) {
    case EofAction::kNone:
      return Item::kEnd;
    case EofAction::kEndRecord:
      state = State::kRecordStart;
      rec.end_field(b, pos);
      return rec.finish(b, pos, /*line_end=*/false, line);
    case EofAction::kEndSkipped:
      state = State::kRecordStart;
      return rec.finish(b, pos, /*line_end=*/false, line);
    case EofAction::kUnterminatedQuote:
      rec.set_structural_error(rec.fields.size() + 1, "unterminated_quote",
                               "quoted field " + std::to_string(rec.fields.size() + 1) +
                                   " is still open at the end of the input");
      if (rewind_to_first_line_end(pos)) return std::nullopt;
      state = State::kRecordStart;
      return rec.finish(b, pos, /*line_end=*/false, line);
  }
  return std::nullopt;
}

// The next record: scan what is buffered, catch an over-long record, read
// more, and at the end of the input close what is open.
Result<RecordReader::Item> RecordReader::Impl::next() {
  if (failure) return *failure;
  if (!started && !start_or_fail()) return *failure;
  for (;;) {
    if (std::optional<Item> item = scan_buffered()) return *item;
    if (rec.open && !rec.discarding && pos == rec.limit) {
      on_overflow();
      continue;
    }
    if (!eof) {
      Result<size_t> n = refill();
      if (!n.ok()) {
        failure = n.error();
        return *failure;
      }
      if (*n > 0) continue;
      eof = true;
    }
    if (std::optional<Item> item = at_input_end()) return *item;
  }
}

RecordReader::RecordReader(ByteReader& input, Dialect dialect, Position start)
    : impl_(std::make_unique<Impl>(input, dialect, start)) {}
RecordReader::~RecordReader() = default;

Result<RecordReader::Item> RecordReader::next() { return impl_->next(); }
const Record& RecordReader::record() const { return impl_->rec.record; }
const RecordError& RecordReader::error() const { return impl_->rec.error; }
uint64_t RecordReader::bytes_consumed() const { return impl_->base + impl_->pos; }
Position RecordReader::position() const {
  return {impl_->base + impl_->pos, impl_->line, impl_->state == State::kAfterCR};
}

}  // namespace skillsync::csv
