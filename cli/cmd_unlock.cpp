// `zcrec unlock ID...`: hand recordings back to retention.
#include "commands.h"
#include "record_locks.h"

#include <memory>

namespace zc::cli {

void add_unlock_command(CLI::App& app) {
  auto args = std::make_shared<record::LockArgs>();
  auto* cmd = app.add_subcommand("unlock", "Let retention delete recordings again (undoes `zcrec lock`)");
  record::add_lock_options(cmd, *args);
  cmd->footer("All or nothing: if one id is unknown, no recording is unlocked.");
  cmd->callback([args] { record::set_recording_locks(*args, false); });
}

}  // namespace zc::cli
