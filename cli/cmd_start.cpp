// Placeholder registration: replaced by the real command.
#include "commands.h"

#include <stdexcept>

namespace zc::cli {

void add_start_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("start", "(not yet built)");
  cmd->callback([] { throw std::runtime_error("'start' is not built yet"); });
}

}  // namespace zc::cli
