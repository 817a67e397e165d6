// zcrec: move live camera frames through shared memory, record them with pre-roll, replay them.
// Exit codes: 0 success, 1 runtime failure (message on stderr), 2 usage error, 130 interrupted.
#include "commands.h"
#include "error_hints.h"

#include <zc/bench/commands.h>

#include <cstdio>
#include <exception>

int main(int argc, char** argv) {
  CLI::App app{"zcrec: shared-memory live frame rings, pre-roll MP4 recording and replay for NVRs"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "zcrec 0.1.0");
  zc::cli::add_feed_command(app);
  zc::cli::add_cat_command(app);
  zc::cli::add_stat_command(app);
  zc::cli::add_rm_command(app);
  zc::cli::add_start_command(app);
  zc::cli::add_list_command(app);
  zc::cli::add_check_command(app);
  zc::cli::add_prune_command(app);
  zc::cli::add_lock_command(app);
  zc::cli::add_unlock_command(app);
  zc::cli::add_play_command(app);
  zc::cli::add_export_command(app);
  zc::cli::add_trigger_command(app);
  zc::cli::add_end_command(app);
  zc::cli::add_cameras_command(app);
  zc::cli::add_serve_command(app);
  zc::cli::add_restream_command(app);
  zc::cli::add_cluster_command(app);
  auto* bench = app.add_subcommand("bench", "Measure zcrec against baselines run in the same process");
  bench->require_subcommand(1);
  zc::bench::add_commands(*bench);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "zcrec: %s\n", zc::cli::message_with_flag_hint(e).c_str());
    return 1;
  }
  return 0;
}
