// Placeholder registration: replaced by the real command.
#include "commands.h"

#include <stdexcept>

namespace zc::cli {

void add_rm_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("rm", "(not yet built)");
  cmd->callback([] { throw std::runtime_error("'rm' is not built yet"); });
}

}  // namespace zc::cli
