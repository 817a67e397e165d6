// `zcrec bench seek [--json] [--minutes M] [--rounds R] [--cache DIR]`: time to first frame when playback starts
// in the last minute of a one-hour segment against its first minute (target ratio <= 1.2, issue 9), through
// the catalog's keyframe index (the segment opened at the keyframe's fragment, docs/playback.md "Seeking"),
// and the same with the old path, which demuxes the segment from its start, as the baseline.
//
// The segment is made once and kept in the cache directory (default: bench-cache beside the zcrec executable,
// i.e. in the build tree): `ffmpeg` libx264 160x120 at 25 fps, a keyframe every second, fragmented MP4 with a
// fragment per keyframe (as the recorder cuts them), catalogued with the keyframe index recovery computes from
// the file (recorder::index_segment_file: each keyframe's moof offset). Each round plays from three targets in
// each minute (alternating which minute goes first) through zc::playback::Player at full speed, from
// Timeline::of_catalog to the first frame the sink receives (the keyframe at or before the target); the
// baseline does the same with the index's byte offsets removed. Medians and the fastest round are reported.
#include "commands_internal.h"
#include "round_stats.h"

#include <zc/catalog/catalog.h>
#include <zc/fifo/clock.h>
#include <zc/media/source.h>
#include <zc/playback/player.h>
#include <zc/playback/timeline.h>
#include <zc/recorder/recovery.h>

#include <nlohmann/json.hpp>

#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <stdexcept>

extern char** environ;

namespace zc::bench {
namespace {

constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kStartWallNs = 1'764'150'000 * kSec;  // 2025-11-26T09:40:00Z, the segment's first frame
const char* const kStream = "seekcam";

struct BenchSeekArgs {
  bool json = false;
  int minutes = 60;
  int rounds = 5;
  std::string cache;
};

void run_ffmpeg(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  if (::posix_spawnp(&pid, "ffmpeg", nullptr, nullptr, argv.data(), environ) != 0)
    throw std::runtime_error("bench seek: cannot run ffmpeg to make the segment");
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error("bench seek: ffmpeg failed");
}

std::filesystem::path default_cache() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::temp_directory_path() / "zcrec-bench-cache" : exe.parent_path() / "bench-cache";
}

// The storage directory holding the catalogued segment of `minutes`, made on first use.
std::filesystem::path prepare(const std::filesystem::path& cache, int minutes, bool quiet, const fifo::Clock& clock) {
  const auto store = cache / ("seek-" + std::to_string(minutes) + "min");
  if (std::filesystem::exists(store / "ready")) return store;
  std::filesystem::remove_all(store);
  std::filesystem::create_directories(store / kStream);
  const auto file = store / kStream / "segment.mp4";
  const int64_t t0 = clock.mono_ns();
  if (!quiet) std::fprintf(stderr, "making a %d-minute segment in %s (once) ...\n", minutes, store.c_str());
  run_ffmpeg({"ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25", "-t",
              std::to_string(minutes * 60), "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-keyint_min",
              "25", "-sc_threshold", "0", "-f", "mp4", "-movflags", "frag_keyframe+empty_moov+default_base_moof",
              "-frag_duration", "1000000", file.string()});
  auto catalog = catalog::Catalog::open(store);
  catalog.ensure_stream(kStream, kStartWallNs);
  catalog::NewRecording r;
  r.stream_name = kStream;
  r.trigger_wall_ns = kStartWallNs;
  r.trigger_mono_ns = 1;
  const int64_t rec = catalog.begin_recording(r);
  auto progress = recorder::index_segment_file(file, kStartWallNs);
  catalog::NewSegment s;
  s.recording_id = rec;
  s.path = std::string(kStream) + "/segment.mp4";
  s.start_wall_ns = kStartWallNs;
  {
    media::SourceOptions so;
    so.audio = false;
    const media::MediaSource src(file.string(), so);
    const auto& v = *src.stream_info().first_of(fifo::MediaKind::video);
    s.video_codec = "h264";
    s.width = v.width;
    s.height = v.height;
    s.video_config = v.config;
  }
  const int64_t id = catalog.begin_segment(s);
  progress.size_bytes = static_cast<int64_t>(std::filesystem::file_size(file));
  catalog.finish_segment(id, "complete", "length", progress);
  if (progress.keyframes < minutes * 60 - 1) throw std::runtime_error("bench seek: the segment lacks keyframes");
  std::FILE* ready = std::fopen((store / "ready").c_str(), "w");
  if (ready != nullptr) std::fclose(ready);
  if (!quiet)
    std::fprintf(stderr, "  %lld frames, %lld keyframes, %.0f MB, made in %.1f s\n",
                 static_cast<long long>(progress.frames), static_cast<long long>(progress.keyframes),
                 static_cast<double>(progress.size_bytes) / 1e6, static_cast<double>(clock.mono_ns() - t0) / 1e9);
  return store;
}

// Ends the player at its first frame (thrown through Player::run, which only catches its own errors).
struct FirstFrameArrived {};

class FirstFrameSink : public playback::FrameSink {
 public:
  void stream_info(const fifo::StreamInfo&) override {}
  void frame(const fifo::FrameMeta& meta, std::span<const std::byte>) override {
    wall_ns = meta.wall_ns;
    keyframe = (meta.flags & fifo::frame_flag::keyframe) != 0;
    throw FirstFrameArrived{};
  }
  void end() override {}
  int64_t wall_ns = 0;
  bool keyframe = false;
};

// Milliseconds from opening the range in the catalog to the first frame; checks it is the right keyframe.
double time_to_first_frame(const std::filesystem::path& store, int64_t target_wall_ns, bool use_index,
                           const fifo::Clock& clock) {
  const int64_t t0 = clock.mono_ns();
  auto catalog = catalog::Catalog::open_existing(store, catalog::Catalog::Access::read_only);
  auto timeline = playback::Timeline::of_catalog(catalog, kStream, target_wall_ns, target_wall_ns + 10 * kSec);
  if (!use_index)
    for (auto& seg : timeline.segments)
      for (auto& k : seg.keyframes) k.moof_offset.reset();
  playback::PlayOptions o;
  o.max = true;
  FirstFrameSink sink;
  try {
    playback::Player(std::move(timeline), o).run(sink);
  } catch (const FirstFrameArrived&) {
  }
  const double ms = static_cast<double>(clock.mono_ns() - t0) / 1e6;
  // Keyframes are on whole seconds from the segment's start: the one at or before the target.
  const int64_t expected = kStartWallNs + (target_wall_ns - kStartWallNs) / kSec * kSec;
  if (!sink.keyframe || sink.wall_ns != expected)
    throw std::runtime_error("bench seek: the first frame is not the keyframe before the target");
  return ms;
}

void run_bench_seek(const BenchSeekArgs& a) {
  const fifo::SystemClock clock;  // the command's one clock: every round is timed on its mono_ns
  if (a.minutes < 3 || a.rounds < 1) throw std::invalid_argument("--minutes must be >= 3 and --rounds >= 1");
  const auto store =
      prepare(a.cache.empty() ? default_cache() : std::filesystem::path(a.cache), a.minutes, a.json, clock);
  const int64_t last_minute = kStartWallNs + int64_t{a.minutes - 1} * 60 * kSec;
  // Three targets in each minute, between keyframes (the player starts at the one before and decodes on).
  const std::vector<int64_t> in_minute = {10'400'000'000, 30'400'000'000, 50'400'000'000};
  std::vector<double> first_idx, last_idx, first_old, last_old;
  (void)time_to_first_frame(store, kStartWallNs + in_minute[0], true, clock);  // warm the page cache and the code
  for (int r = 0; r < a.rounds; ++r) {
    for (int64_t off : in_minute) {
      const bool last_first = r % 2 == 1;  // alternate the order: drift hits both alike
      for (int k = 0; k < 2; ++k) {
        const bool last = (k == 0) == last_first;
        const int64_t target = (last ? last_minute : kStartWallNs) + off;
        (last ? last_idx : first_idx).push_back(time_to_first_frame(store, target, true, clock));
        (last ? last_old : first_old).push_back(time_to_first_frame(store, target, false, clock));
      }
    }
  }
  const double ratio = median(last_idx) / median(first_idx);
  const double old_ratio = median(last_old) / median(first_old);
  nlohmann::json j = {
      {"benchmark", "seek"},
      {"segment_minutes", a.minutes},
      {"rounds", a.rounds},
      {"measurements_per_minute", first_idx.size()},
      {"index", {{"first_minute_ms", median(first_idx)}, {"last_minute_ms", median(last_idx)},
                 {"first_minute_fastest_ms", fastest(first_idx)}, {"last_minute_fastest_ms", fastest(last_idx)},
                 {"ratio", ratio}}},
      {"from_start", {{"first_minute_ms", median(first_old)}, {"last_minute_ms", median(last_old)},
                      {"first_minute_fastest_ms", fastest(first_old)}, {"last_minute_fastest_ms", fastest(last_old)},
                      {"ratio", old_ratio}}},
      {"target_ratio", 1.2},
  };
  if (a.json) {
    std::cout << j.dump() << "\n";
    return;
  }
  std::printf("time to first frame, %d-minute segment, median of %zu seeks per minute (fastest):\n", a.minutes,
              first_idx.size());
  std::printf("  keyframe index: first minute %8.2f ms (%.2f), last minute %8.2f ms (%.2f), ratio %.3f (target <= 1.2)\n",
              median(first_idx), fastest(first_idx), median(last_idx), fastest(last_idx), ratio);
  std::printf("  from start    : first minute %8.2f ms (%.2f), last minute %8.2f ms (%.2f), ratio %.3f\n",
              median(first_old), fastest(first_old), median(last_old), fastest(last_old), old_ratio);
}

}  // namespace

void add_seek_command(CLI::App& bench) {
  auto a = std::make_shared<BenchSeekArgs>();
  auto* cmd = bench.add_subcommand("seek", "Time to first frame: last vs first minute of a one-hour segment");
  cmd->add_option("--minutes", a->minutes, "length of the segment in minutes")->check(in_range(3, 600));
  cmd->add_option("--rounds", a->rounds, "rounds of three seeks per minute and path")->check(in_range(1, 1000));
  cmd->add_option("--cache", a->cache, "where the segment is made once (default: bench-cache beside zcrec)");
  cmd->add_flag("--json", a->json, "one JSON object on stdout");
  cmd->callback([a] { run_bench_seek(*a); });
}

}  // namespace zc::bench
