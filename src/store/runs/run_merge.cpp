// store/runs: RunReader and Merger (see run_merge.hpp).
#include "store/runs/run_merge.hpp"

#include <zlib.h>

#include <algorithm>
#include <cstring>

namespace skillsync::store::runs {

RunReader::RunReader(ByteSource& src, const RunInfo& run, std::span<char> buffer)
    : src_(src),
      run_(run),
      next_offset_(run.offset + kRunHeaderBytes),
      end_offset_(run.offset + kRunHeaderBytes + run.body_bytes),
      buf_(buffer) {}

Status RunReader::fill(size_t need) {
  if (len_ - pos_ >= need) return ok_status();
  if (need - (len_ - pos_) > end_offset_ - next_offset_) return corrupt("a record is cut");
  if (need > buf_.size()) {
    std::vector<char> bigger(need);
    std::memcpy(bigger.data(), buf_.data() + pos_, len_ - pos_);
    own_ = std::move(bigger);
    buf_ = own_;
    len_ -= pos_;
    pos_ = 0;
  } else if (pos_ > 0) {
    std::memmove(buf_.data(), buf_.data() + pos_, len_ - pos_);
    len_ -= pos_;
    pos_ = 0;
  }
  const size_t room =
      static_cast<size_t>(std::min<uint64_t>(buf_.size() - len_, end_offset_ - next_offset_));
  SKILLSYNC_ASSIGN_OR_RETURN(size_t got, src_.read_at(next_offset_, buf_.data() + len_, room));
  if (got != room) return corrupt("it ends inside a run");
  crc_ = static_cast<uint32_t>(
      ::crc32(crc_, reinterpret_cast<const Bytef*>(buf_.data() + len_), static_cast<uInt>(got)));
  len_ += got;
  next_offset_ += got;
  return ok_status();
}

Result<bool> RunReader::next() {
  if (rows_read_ == run_.rows) {
    if (pos_ != len_ || next_offset_ != end_offset_)
      return corrupt("a run has bytes past its rows");
    if (crc_ != run_.body_crc) return corrupt("a run's CRC does not match");
    return false;
  }
  // The record's length: a varint of at most 10 bytes (fewer at the end).
  SKILLSYNC_TRY(fill(
      static_cast<size_t>(std::min<uint64_t>(10, (len_ - pos_) + (end_offset_ - next_offset_)))));
  uint64_t n = 0;
  const char* start = buf_.data() + pos_;
  const char* p = detail::read_varint(start, buf_.data() + len_, n);
  if (p == nullptr || n > kMaxRecordBytes) return corrupt("a record's length is not sound");
  const auto head = static_cast<size_t>(p - start);
  SKILLSYNC_TRY(fill(head + static_cast<size_t>(n)));
  const char* body = buf_.data() + pos_ + head;
  if (!detail::decode_record(body, body + n, row_)) return corrupt("a record is not sound");
  pos_ += head + static_cast<size_t>(n);
  if (rows_read_ > 0 && detail::compare_keys(prev_employee_, prev_external_,
                                             row_.employee_external_id, row_.external_id) >= 0) {
    return corrupt("a run is not in key order");
  }
  prev_employee_.assign(row_.employee_external_id);
  prev_external_.assign(row_.external_id);
  ++rows_read_;
  return true;
}

Merger::Merger(ByteSource& src, std::span<const RunInfo> runs, size_t budget_bytes) {
  const size_t per_run =
      std::clamp(budget_bytes / std::max<size_t>(runs.size(), 1), kMinRunBuffer, kMaxRunBuffer);
  // Not zeroed: a slice's pages are touched as its run is read.
  buffer_bytes_ = per_run * std::max<size_t>(runs.size(), 1);
  buffers_.reset(new char[buffer_bytes_]);
  readers_.reserve(runs.size());
  for (size_t i = 0; i < runs.size(); ++i) {
    const std::span<char> slice(buffers_.get() + i * per_run, per_run);
    readers_.push_back(std::make_unique<RunReader>(src, runs[i], slice));
  }
  heap_.reserve(runs.size());
}

bool Merger::lower(uint32_t a, uint32_t b) const {
  const EventView& x = readers_[a]->row();
  const EventView& y = readers_[b]->row();
  const int c = detail::compare_keys(x.employee_external_id, x.external_id, y.employee_external_id,
                                     y.external_id);
  return c > 0 || (c == 0 && a < b);
}

void Merger::push(uint32_t run) {
  heap_.push_back(run);
  std::push_heap(heap_.begin(), heap_.end(),
                 [this](uint32_t a, uint32_t b) { return lower(a, b); });
}

uint32_t Merger::pop() {
  std::pop_heap(heap_.begin(), heap_.end(), [this](uint32_t a, uint32_t b) { return lower(a, b); });
  const uint32_t top = heap_.back();
  heap_.pop_back();
  return top;
}

Status Merger::advance(uint32_t i) {
  SKILLSYNC_ASSIGN_OR_RETURN(bool more, readers_[i]->next());
  if (more) push(i);
  return ok_status();
}

Result<bool> Merger::next() {
  if (!started_) {
    started_ = true;
    for (uint32_t i = 0; i < readers_.size(); ++i) SKILLSYNC_TRY(advance(i));
  } else if (current_ >= 0) {
    // The winner's row was in use until now: its reader moves on last.
    SKILLSYNC_TRY(advance(static_cast<uint32_t>(current_)));
    current_ = -1;
  }
  if (heap_.empty()) return false;
  const uint32_t winner = pop();
  const EventView& w = readers_[winner]->row();
  while (!heap_.empty()) {
    const EventView& top = readers_[heap_.front()]->row();
    if (top.employee_external_id != w.employee_external_id || top.external_id != w.external_id) {
      break;
    }
    ++superseded_;
    SKILLSYNC_TRY(advance(pop()));
  }
  current_ = winner;
  return true;
}

}  // namespace skillsync::store::runs
