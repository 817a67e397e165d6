// Placeholder registration: replaced by the real command.
#include "commands.h"

#include <stdexcept>

namespace zc::cli {

void add_export_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("export", "(not yet built)");
  cmd->callback([] { throw std::runtime_error("'export' is not built yet"); });
}

}  // namespace zc::cli
