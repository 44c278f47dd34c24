#include "app/options.hpp"

namespace skillsync::app {

void add_store_options(CLI::App* cmd, ServeConfig& c) {
  cmd->add_option("--data-dir", c.data_dir,
                  "Directory for the SQLite database, the master key and the first API key")
      ->envname("SKILLSYNC_DATA_DIR")
      ->capture_default_str();
  cmd->add_option("--store", c.store,
                  "Where tasks and events live: 'sqlite' (<data-dir>/skillsync.db, the default), "
                  "'sqlite:PATH', or a PostgreSQL URL postgres://user:password@host:port/db "
                  "shared by several processes")
      ->envname("SKILLSYNC_STORE");
  cmd->add_option("--log-level", c.log_level, "trace, debug, info, warn, error or off")
      ->envname("SKILLSYNC_LOG_LEVEL")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
      ->capture_default_str();
}

}  // namespace skillsync::app
