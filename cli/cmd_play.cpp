// `zcrec play`: replay one media file, or a recorded time range of a stream, into a playback fifo or stdout.
#include "cli_units.h"
#include "commands.h"
#include "playback_cli.h"

#include <zc/fifo/clock.h>
#include <zc/playback/error.h>
#include <zc/playback/player.h>
#include <zc/catalog/catalog.h>

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <stdexcept>

namespace zc::cli {
namespace {

struct PlayArgs {
  std::string file, stream, from, to, dir, fifo, out;
  double speed = 1.0;
  bool max = false, keyframes_only = false, reverse = false, no_audio = false;
  uint64_t fifo_bytes = 16ULL << 20;
};

void run_play(const PlayArgs& a) {
  if (a.file.empty() == a.stream.empty())
    throw CLI::ValidationError("play", "give either a FILE or --stream with --from and --to");
  if (a.fifo.empty() == a.out.empty()) throw CLI::ValidationError("play", "give either --fifo NAME or --out -");
  playback::Timeline timeline;
  if (!a.file.empty()) {
    timeline = playback::Timeline::of_file(a.file);
  } else {
    const auto range = playback_cli::parse_range(a.from, a.to, fifo::SystemClock().wall_ns());
    auto catalog = catalog::Catalog::open_existing(a.dir, catalog::Catalog::Access::read_only);
    timeline = playback::Timeline::of_catalog(catalog, a.stream, range.first, range.second);
  }
  playback::PlayOptions o;
  o.speed = a.speed;
  o.max = a.max;
  o.keyframes_only = a.keyframes_only;
  o.reverse = a.reverse;
  o.audio = !a.no_audio && a.out.empty();
  playback::Player player(std::move(timeline), o,
                          [](const std::string& e) { std::fprintf(stderr, "zcrec: warning: %s\n", e.c_str()); });

  std::unique_ptr<playback::FrameSink> sink;
  if (!a.fifo.empty()) {
    fifo::PlaybackFifoOptions fo;
    fo.data_bytes = a.fifo_bytes;
    sink = playback::make_fifo_sink(a.fifo, fo);
  } else {
    ::signal(SIGPIPE, SIG_IGN);  // a closed pipe (ffplay quit) becomes EPIPE, handled below
    sink = playback::make_annexb_sink(STDOUT_FILENO);
  }
  playback::PlayResult r;
  try {
    r = player.run(*sink);
  } catch (const playback::PlaybackError& e) {
    if (e.code() == playback::PlaybackErrc::peer_gone && !a.out.empty()) return;  // the consumer quit: done
    throw;
  }
  std::fprintf(stderr, "zcrec: played %llu frames (%llu keyframes, %llu decode-only), %llu discontinuities\n",
               static_cast<unsigned long long>(r.frames), static_cast<unsigned long long>(r.keyframes),
               static_cast<unsigned long long>(r.decode_only), static_cast<unsigned long long>(r.discontinuities));
  if (!r.segment_errors.empty())
    throw std::runtime_error(std::to_string(r.segment_errors.size()) +
                             " segment(s) could not be read completely; the rest was played");
}

}  // namespace

void add_play_command(CLI::App& app) {
  auto a = std::make_shared<PlayArgs>();
  auto* cmd = app.add_subcommand(
      "play", "Replay a media file or a recorded time range into a playback fifo or as Annex-B to stdout");
  cmd->add_option("file", a->file, "Media file to replay (MP4, fragmented MP4, raw .h264/.h265)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--stream", a->stream, "Recorded stream to replay from the catalog (with --from and --to)");
  playback_cli::add_range_options(cmd, a->from, a->to);
  playback_cli::add_dir_option(cmd, a->dir);
  auto* fifo = cmd->add_option("--fifo", a->fifo, "Create this playback fifo and write into it (zcrec cat NAME)");
  auto* out = cmd->add_option("--out", a->out, "'-': the video as an Annex-B elementary stream on stdout")
                  ->check(CLI::IsMember({"-"}));
  fifo->excludes(out);
  auto* speed = cmd->add_option("--speed", a->speed, "Real time x SPEED, 1/16 to 16")
                    ->check(in_range(playback::kMinSpeed, playback::kMaxSpeed))
                    ->capture_default_str();
  cmd->add_flag("--max", a->max, "No pacing: as fast as the reader takes frames")->excludes(speed);
  cmd->add_flag("--keyframes-only", a->keyframes_only, "Only video keyframes (fast trick play)");
  cmd->add_flag("--reverse", a->reverse, "Keyframes in reverse time order (implies --keyframes-only)");
  cmd->add_flag("--no-audio", a->no_audio, "Leave the audio track out");
  cmd->add_option("--fifo-size", a->fifo_bytes, "Playback fifo capacity, e.g. 16M")
      ->transform(size_bytes())
      ->capture_default_str();
  cmd->callback([a] { run_play(*a); });
}

}  // namespace zc::cli
