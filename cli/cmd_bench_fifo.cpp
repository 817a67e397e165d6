// Placeholder registration: replaced by the real command.
#include "commands.h"

#include <stdexcept>

namespace zc::cli {

void add_bench_fifo_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("fifo", "(not yet built)");
  cmd->callback([] { throw std::runtime_error("'fifo' is not built yet"); });
}

}  // namespace zc::cli
