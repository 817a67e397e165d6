// `zcrec export`: a recorded time range into playable MP4 files (movie header first, no re-encoding).
#include "commands.h"
#include "playback_cli.h"

#include <zc/fifo/clock.h>
#include <zc/playback/exporter.h>
#include <zc/playback/time_arg.h>
#include <zc/catalog/catalog.h>

#include <nlohmann/json.hpp>
#include <unistd.h>

extern "C" {
#include <libavutil/log.h>
}

#include <cstdio>
#include <iostream>
#include <memory>
#include <stdexcept>

namespace zc::cli {
namespace {

struct ExportArgs {
  std::string stream, from, to, dir, output;
  bool json = false, no_audio = false;
};

void draw_progress(size_t done, size_t total) {
  const int width = 30;
  const int filled = total == 0 ? width : static_cast<int>(done * width / total);
  std::fprintf(stderr, "\r[%.*s%*s] %zu/%zu segments", filled, "##############################", width - filled, "",
               done, total);
  if (done == total) std::fputc('\n', stderr);
}

void run_export(const ExportArgs& a) {
  const auto range = playback_cli::parse_range(a.from, a.to, fifo::SystemClock().wall_ns());
  av_log_set_level(AV_LOG_ERROR);  // the MP4 muxer's "moving the moov atom" notes are not for the user
  auto catalog = catalog::Catalog::open_existing(a.dir, catalog::Catalog::Access::read_only);
  const auto timeline = playback::Timeline::of_catalog(catalog, a.stream, range.first, range.second);
  playback::ExportOptions o;
  o.audio = !a.no_audio;
  if (!a.json && ::isatty(STDERR_FILENO)) o.progress = draw_progress;
  const auto r = playback::export_timeline(timeline, a.output, o);
  for (const auto& e : r.segment_errors) std::fprintf(stderr, "zcrec: warning: %s\n", e.c_str());
  if (a.json) {
    nlohmann::json files = nlohmann::json::array();
    for (const auto& f : r.files)
      files.push_back({{"path", f.path.string()},
                       {"video_frames", f.video_frames},
                       {"audio_frames", f.audio_frames},
                       {"keyframes", f.keyframes},
                       {"first_wall", playback::format_wall_time(f.first_wall_ns)},
                       {"last_wall", playback::format_wall_time(f.last_wall_ns)},
                       {"codec", f.codec},
                       {"width", f.width},
                       {"height", f.height}});
    nlohmann::json j = {{"stream", a.stream},
                        {"from", playback::format_wall_time(range.first)},
                        {"to", playback::format_wall_time(range.second)},
                        {"files", files},
                        {"gaps", r.gaps},
                        {"segment_errors", r.segment_errors}};
    std::cout << j.dump(2) << std::endl;
  } else {
    for (const auto& f : r.files)
      std::printf("%s: %llu video frames, %s %ux%u, %s .. %s\n", f.path.c_str(),
                  static_cast<unsigned long long>(f.video_frames), f.codec.c_str(), f.width, f.height,
                  playback::format_wall_time(f.first_wall_ns).c_str(),
                  playback::format_wall_time(f.last_wall_ns).c_str());
  }
  if (!r.segment_errors.empty())
    throw std::runtime_error(std::to_string(r.segment_errors.size()) +
                             " segment(s) could not be read completely; the rest was exported");
}

}  // namespace

void add_export_command(CLI::App& app) {
  auto a = std::make_shared<ExportArgs>();
  auto* cmd = app.add_subcommand("export", "Write a recorded time range into playable MP4 files (no re-encoding)");
  cmd->add_option("--stream", a->stream, "Recorded stream")->required();
  playback_cli::add_range_options(cmd, a->from, a->to);
  cmd->add_option("-o,--output", a->output, "Output MP4; a parameter change adds NAME-2.mp4, NAME-3.mp4 ...")
      ->required();
  playback_cli::add_dir_option(cmd, a->dir);
  cmd->add_flag("--json", a->json, "Print a JSON summary instead of text (no progress bar)");
  cmd->add_flag("--no-audio", a->no_audio, "Leave the audio track out");
  cmd->callback([a] { run_export(*a); });
}

}  // namespace zc::cli
