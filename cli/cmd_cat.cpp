// Placeholder registration: replaced by the real command.
#include "commands.h"

#include <stdexcept>

namespace zc::cli {

void add_cat_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("cat", "(not yet built)");
  cmd->callback([] { throw std::runtime_error("'cat' is not built yet"); });
}

}  // namespace zc::cli
