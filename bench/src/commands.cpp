#include <zc/bench/commands.h>

#include "commands_internal.h"

namespace zc::bench {

void add_commands(CLI::App& bench) {
  add_fifo_command(bench);
  add_record_command(bench);
  add_play_command(bench);
  add_ingest_command(bench);
  add_start_command(bench);
  add_seek_command(bench);
  add_serve_command(bench);
  add_rtsp_command(bench);
  add_cluster_command(bench);
  add_pace_command(bench);
}

}  // namespace zc::bench
