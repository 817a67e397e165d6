// Placeholder registration: replaced by the real command.
#include "commands.h"

#include <stdexcept>

namespace zc::cli {

void add_prune_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("prune", "(not yet built)");
  cmd->callback([] { throw std::runtime_error("'prune' is not built yet"); });
}

}  // namespace zc::cli
