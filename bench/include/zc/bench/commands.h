// `zcrec bench ...`: registers the benchmark subcommands (fifo, record, play, ingest, start, seek) under the `bench` command
// the CLI made. Each prints one JSON object on stdout (figures and their same-run baselines) and progress on
// stderr; its callback throws std::runtime_error or a module's error on failure, as every zcrec command does.
#pragma once

#include <CLI/CLI.hpp>

namespace zc::bench {

void add_commands(CLI::App& bench);

}  // namespace zc::bench
