// Placeholder registration: replaced by the real command.
#include "commands.h"

#include <stdexcept>

namespace zc::cli {

void add_check_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("check", "(not yet built)");
  cmd->callback([] { throw std::runtime_error("'check' is not built yet"); });
}

}  // namespace zc::cli
