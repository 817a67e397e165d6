// Placeholder registration: replaced by the real command.
#include "commands.h"

#include <stdexcept>

namespace zc::cli {

void add_stat_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("stat", "(not yet built)");
  cmd->callback([] { throw std::runtime_error("'stat' is not built yet"); });
}

}  // namespace zc::cli
