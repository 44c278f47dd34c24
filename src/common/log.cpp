#include "common/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>

namespace skillsync {

void init_logging(const std::string& level) {
  auto logger = spdlog::stderr_logger_mt("skillsync");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

}  // namespace skillsync
