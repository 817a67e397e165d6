// Placeholder registration: replaced by the real command.
#include "commands.h"

#include <stdexcept>

namespace zc::cli {

void add_feed_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("feed", "(not yet built)");
  cmd->callback([] { throw std::runtime_error("'feed' is not built yet"); });
}

}  // namespace zc::cli
