// Every `zcrec` subcommand registers itself through one of these functions; each lives in its own cmd_*.cpp.
// A registration adds the subcommand with its options and a callback that does the work; the callback throws
// on failure (see cli/main.cpp for how errors become messages and exit codes).
#pragma once

#include <CLI/CLI.hpp>

namespace zc::cli {

// Live ring (cmd_feed.cpp, cmd_cat.cpp, cmd_stat.cpp, cmd_rm.cpp)
void add_feed_command(CLI::App& app);
void add_cat_command(CLI::App& app);
void add_stat_command(CLI::App& app);
void add_rm_command(CLI::App& app);
// Recorder (cmd_start.cpp, cmd_list.cpp, cmd_check.cpp, cmd_prune.cpp, cmd_lock.cpp, cmd_unlock.cpp)
void add_start_command(CLI::App& app);
void add_list_command(CLI::App& app);
void add_check_command(CLI::App& app);
void add_prune_command(CLI::App& app);
void add_lock_command(CLI::App& app);
void add_unlock_command(CLI::App& app);
// Playback (cmd_play.cpp, cmd_export.cpp)
void add_play_command(CLI::App& app);
void add_export_command(CLI::App& app);
// zcrecd's client over its HTTP API (cmd_trigger.cpp, cmd_end.cpp, cmd_cameras.cpp; service_client.cpp)
void add_trigger_command(CLI::App& app);
void add_end_command(CLI::App& app);
void add_cameras_command(CLI::App& app);
// RTSP server over the rings (cmd_serve.cpp; zc::serve)
void add_serve_command(CLI::App& app);
// A ring pushed out to a remote server (cmd_restream.cpp; zc::restream)
void add_restream_command(CLI::App& app);
// The PostgreSQL cluster catalog (cmd_cluster.cpp; zc::cluster)
void add_cluster_command(CLI::App& app);
// Benchmarks: `zcrec bench ...` are bench/'s (zc/bench/commands.h).

}  // namespace zc::cli
