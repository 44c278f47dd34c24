// The files of a load (internal to tasks/): the task's source opened with its
// sealed secret (one object, every object under a prefix, the objects a
// source's check chose, or a presigned URL), the reading chain of one file (bytes -> decompress ->
// to UTF-8 -> CSV records), and the pipeline state kept in Checkpoint::state_json.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "csv/csv.hpp"
#include "csv/encoding.hpp"
#include "source/decompress/decompress.hpp"
#include "tasks/tasks.hpp"

namespace skillsync::tasks::internal {

// One file of a load.
struct SourceFile {
  std::string key;    // the object key in a prefix load; "" for the task's single object
  uint64_t size = 0;  // from the listing (a prefix load); 0 until a single object is opened
  std::string etag;   // from the listing (a prefix load); "" when not known yet
  // (A task's own objects count as a prefix load, listed by the check.)
};

// The task's source, with its secret opened for as long as the load runs.
class LoadSource {
 public:
  // Opens the sealed secret (credentials or presigned URL) and, for a prefix
  // uri, lists the files: "no_objects" when there is none. Given `objects`
  // (the task's own list, Store::list_task_objects), the files are exactly
  // those, each pinned to its ETag, and nothing is listed.
  static Result<std::unique_ptr<LoadSource>> make(const store::Task& task, const MasterKey& key,
                                                  ObjectOpener& opener,
                                                  std::vector<store::TaskObject> objects = {});

  bool is_prefix() const { return kind_ == Kind::kPrefix; }
  const std::vector<SourceFile>& files() const { return files_; }
  // Index of the file with this key, or nullopt.
  std::optional<size_t> find(std::string_view key) const;
  // Sum of the listed sizes (a prefix load).
  uint64_t listed_bytes() const;

  // Opens files()[index] from `offset`. A non-empty `etag` pins the version:
  // another one fails with "object_changed". Once `cancel` is set, the open
  // and the reads of the file that wait on the network fail with
  // "cancelled" (see ObjectOpener).
  // REQUIRES: `cancel` outlives the opened reader.
  Result<ObjectOpener::Opened> open(size_t index, uint64_t offset, std::string_view etag,
                                    const CancellationToken& cancel);

 private:
  enum class Kind { kObject, kPrefix, kPresigned };
  LoadSource(const store::Task& task, ObjectOpener& opener) : task_(task), opener_(opener) {}

  const store::Task& task_;
  ObjectOpener& opener_;
  Kind kind_ = Kind::kObject;
  source::SourceSpec spec_;  // the task's source, parsed once, its secret opened
  std::vector<SourceFile> files_;
};

// One open file: object bytes -> (gunzip | unzstd, by magic bytes) -> (to
// UTF-8) -> CSV records. A resumed file is known to be plain UTF-8 and is read
// as it is, from `resume_at`.
class FileReader {
 public:
  FileReader(ObjectOpener::Opened opened, const LoadOptions& options,
             std::optional<csv::Position> resume_at);
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;

  csv::RecordReader& records() { return records_; }
  // Bytes of the object consumed (compressed bytes for a compressed file).
  uint64_t raw_bytes_read() const;
  // Whether CSV offsets are object offsets (plain UTF-8), so a checkpoint in
  // this file can be resumed. Known once the first record was read.
  bool resumable() const;
  uint64_t size() const { return opened_.size; }
  const std::string& etag() const { return opened_.etag; }

  // Reads the header record. "empty_file" or "invalid_header"; `file` (a key,
  // or "") is named in the message.
  Result<std::vector<std::string>> read_header(std::string_view file);

 private:
  ByteReader& input();

  ObjectOpener::Opened opened_;
  const bool resuming_;
  const bool utf8_;  // the options' encoding is UTF-8: nothing to transcode
  decompress::DecompressingReader decompressed_;
  std::unique_ptr<csv::EncodingReader> transcoded_;
  csv::RecordReader records_;
};

// What a checkpoint needs beyond offset and line to continue mid-file.
struct ResumeState {
  bool resumable = false;  // plain UTF-8: offsets in the CSV are offsets in the object
  bool after_cr = false;
  std::string file;  // key of the file the checkpoint's offset is in (prefix loads)
  std::string etag;  // that file's ETag ("" when the source names none)
};
std::string to_json(const ResumeState& s);
ResumeState resume_state_from_json(std::string_view text);

std::string header_to_json(const std::vector<std::string>& names);
std::optional<std::vector<std::string>> header_from_json(std::string_view text);

// How `got` differs from `expected` ("column 3 is 'x', expected 'y'"), or
// nullopt when they are equal.
std::optional<std::string> header_difference(const std::vector<std::string>& expected,
                                             const std::vector<std::string>& got);

}  // namespace skillsync::tasks::internal
