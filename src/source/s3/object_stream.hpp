// Reading one object (object_stream.cpp): its size and ETag (probe_object)
// and its bytes as an ObjectStream that resumes (open_object), for S3Client.
// Internal to source/s3.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "source/s3/client_core.hpp"

namespace skillsync::source::s3::internal {

// HEAD of an object, or for a presigned URL (signed for GET only) a GET of
// its first byte, within `budget`.
Result<ObjectInfo> probe_object(ClientCore& core, const GetTarget& target, const Budget& budget,
                                std::string_view limit_name,
                                const CancellationToken* cancel = nullptr);

// Opens an ObjectStream from `offset`; a non-empty `if_match` pins the
// object's ETag, `cancel` interrupts the open and the stream's reads (see
// S3Client::get_object).
Result<std::unique_ptr<ObjectStream>> open_object(std::shared_ptr<ClientCore> core,
                                                  GetTarget target, uint64_t offset,
                                                  std::string_view if_match = {},
                                                  const CancellationToken* cancel = nullptr);

}  // namespace skillsync::source::s3::internal
