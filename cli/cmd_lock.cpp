// `zcrec lock ID...`: keep recordings out of retention (`zcrec prune`, `zcrec start --quota/--max-age/--min-free`).
#include "commands.h"
#include "record_locks.h"

#include <memory>

namespace zc::cli {

void add_lock_command(CLI::App& app) {
  auto args = std::make_shared<record::LockArgs>();
  auto* cmd = app.add_subcommand("lock", "Keep recordings: retention never deletes a locked recording");
  record::add_lock_options(cmd, *args);
  cmd->footer("All or nothing: if one id is unknown, no recording is locked. `zcrec unlock` undoes it.");
  cmd->callback([args] { record::set_recording_locks(*args, true); });
}

}  // namespace zc::cli
