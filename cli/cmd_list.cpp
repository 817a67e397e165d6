// Placeholder registration: replaced by the real command.
#include "commands.h"

#include <stdexcept>

namespace zc::cli {

void add_list_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("list", "(not yet built)");
  cmd->callback([] { throw std::runtime_error("'list' is not built yet"); });
}

}  // namespace zc::cli
