// Logging: one line per event to stderr through spdlog.
//
// Never pass a SecretString's revealed value, a presigned URL or a request
// body to a logger; SecretString has no formatter on purpose.
#pragma once

#include <spdlog/spdlog.h>

namespace skillsync {

// Installs the process-wide stderr logger ("info" unless `level` says
// otherwise: trace, debug, info, warn, error, off).
void init_logging(const std::string& level);

}  // namespace skillsync
