// One registration per benchmark, each in its own cmd_bench_*.cpp.
#pragma once

#include <zc/units/cli_validators.h>

#include <CLI/CLI.hpp>

#include <string>

namespace zc::bench {

using units::size_bytes;  // zc/units/cli_validators.h: "16K", "64M" (binary), handed on in bytes
using units::in_range;    // CLI::Range with a message of its own for text that is not a number

void add_fifo_command(CLI::App& bench);    // cmd_bench_fifo.cpp
void add_record_command(CLI::App& bench);  // cmd_bench_record.cpp
void add_play_command(CLI::App& bench);    // cmd_bench_play.cpp
void add_ingest_command(CLI::App& bench);  // cmd_bench_ingest.cpp
void add_start_command(CLI::App& bench);   // cmd_bench_start.cpp
void add_seek_command(CLI::App& bench);    // cmd_bench_seek.cpp
void add_serve_command(CLI::App& bench);   // cmd_bench_serve.cpp
void add_rtsp_command(CLI::App& bench);   // cmd_bench_rtsp.cpp
void add_cluster_command(CLI::App& bench);  // cmd_bench_cluster.cpp
void add_pace_command(CLI::App& bench);    // serve_pacer.cpp: the cameras of `bench serve` (hidden)

}  // namespace zc::bench
