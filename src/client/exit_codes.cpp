// Exit codes of the client commands (see exit_codes.hpp).
#include "client/exit_codes.hpp"

namespace skillsync::client {

int exit_for_status(std::string_view status) {
  if (status == "completed" || status == "pending" || status == "running") return kExitOk;
  if (status == "completed_with_errors") return kExitCompletedWithErrors;
  if (status == "failed") return kExitFailed;
  if (status == "cancelled") return kExitCancelled;
  return kExitRequestFailed;
}

int exit_for_http(long status) {
  if (status == 0) return kExitUnavailable;
  if (status == 401 || status == 403) return kExitAuth;
  return kExitRequestFailed;
}

bool is_final_status(std::string_view status) {
  return status == "completed" || status == "completed_with_errors" || status == "failed" ||
         status == "cancelled";
}

}  // namespace skillsync::client
