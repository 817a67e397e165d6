// `zcrec bench start [--json] [--input FILE] [--segments N] [--rounds R]`: trigger -> first fragment on disk
// with 1 catalogued segment and with N (100,000) in one run, and their ratio (target <= 1.1, issue 9): starting a
// recording must not cost more because the storage holds a year of history.
//
// Both storage directories hold one real recording made by the recorder itself. The large one also holds N - 1
// complete segment rows inserted with one SQL statement (1,000 recordings of 100 one-minute segments, 10
// keyframes each, older than the real one), each with a file: a hard link to the real segment, so a startup that
// opened every catalogued file would pay for it as it did before. Each round alternates the two directories and
// records from a fresh ring (a 4 s 1080p30 H.264 stream stamped as captured just before the trigger) with a 2 s
// pre-roll: the time runs from Recorder::start() until a second connection sees the first segment's row with
// frames, i.e. a complete fragment in the file and in the catalog. Medians and the fastest round are reported.
//
#include "commands_internal.h"
#include "round_stats.h"
#include "record.h"

#include <zc/catalog/catalog.h>
#include <zc/fifo/clock.h>
#include <zc/fifo/ring_writer.h>
#include <zc/recorder/recorder.h>
#include <zc/recorder/recovery.h>

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <iostream>
#include <stdexcept>
#include <thread>

namespace zc::bench {
namespace {

constexpr int64_t kSec = 1'000'000'000;
constexpr int kSegmentsPerRecording = 100;
constexpr int kKeyframesPerSegment = 10;
constexpr int64_t kLinksPerFile = 50'000;  // ext4 allows 65,000 links to one inode

struct BenchStartArgs {
  std::string input;
  bool json = false;
  int64_t segments = 100'000;
  int rounds = 15;
};

// The scratch directory of one run, removed with everything in it.
struct Scratch {
  std::filesystem::path path;
  Scratch() {
    std::string t = (std::filesystem::temp_directory_path() / "zcrec-bench-start-XXXXXX").string();
    if (::mkdtemp(t.data()) == nullptr) throw std::runtime_error("cannot create a scratch directory");
    path = t;
  }
  ~Scratch() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

// A ring holding the whole stream, stamped as captured during the `duration` before now; removed at the end.
class FilledRing {
 public:
  FilledRing(const std::string& name, const EncodedInput& s, const fifo::Clock& clock) : name_(name) {
    fifo::RingOptions ro;
    ro.data_bytes = 1ULL << 26;
    auto w = fifo::RingWriter::open(name, ro);
    w.set_stream_info(s.info);
    const int64_t now = clock.mono_ns(), wall_offset = clock.wall_ns() - now;
    for (const auto& p : s.packets) {
      fifo::FrameMeta m;
      m.track = p.track;
      m.flags = p.key ? fifo::frame_flag::keyframe : 0;
      m.pts = p.pts;
      m.dts = p.dts;
      m.mono_ns = now - s.duration_ns + p.time_ns;
      m.wall_ns = m.mono_ns + wall_offset;
      w.write(m, p.data.data(), p.data.size());
    }
    writer_.emplace(std::move(w));
  }
  ~FilledRing() {
    writer_.reset();
    fifo::RingWriter::remove(name_);
  }
  FilledRing(const FilledRing&) = delete;
  FilledRing& operator=(const FilledRing&) = delete;

 private:
  std::string name_;
  std::optional<fifo::RingWriter> writer_;
};

struct StartTiming {
  double start_ms = 0;           // Recorder::start() alone: catalog, recovery, recording row
  double first_fragment_ms = 0;  // trigger -> first fragment in the file and the catalog
};

// One recording with a 2 s pre-roll into `dir`, timed.
StartTiming record_once(const EncodedInput& s, const std::filesystem::path& dir, const std::string& ring,
                        const fifo::Clock& clock) {
  FilledRing filled(ring, s, clock);
  recorder::RecorderOptions o;
  o.stream = ring;
  o.dir = dir;
  o.timing.preroll_ns = 2 * kSec;
  o.timing.postroll_ns = 0;
  o.timing.duration_ns = 0;
  StartTiming t;
  const int64_t t0 = clock.mono_ns();
  auto rec = recorder::Recorder::start(o, clock);
  t.start_ms = static_cast<double>(clock.mono_ns() - t0) / 1e6;
  const int64_t id = rec.summary().recording_id;
  std::atomic<bool> done{false};
  std::atomic<int64_t> seen_ns{0};
  std::thread watcher([&] {
    auto c = catalog::Catalog::open_existing(dir, catalog::Catalog::Access::read_only);
    for (;;) {
      const bool last = done.load();
      const auto segs = c.segments_of_recording(id);
      if (!segs.empty() && segs.front().frames > 0) {
        seen_ns = clock.mono_ns();
        return;
      }
      if (last) return;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });
  rec.run();
  done = true;
  watcher.join();
  if (seen_ns == 0) throw std::runtime_error("the recording wrote no fragment");
  t.first_fragment_ms = static_cast<double>(seen_ns - t0) / 1e6;
  return t;
}

void exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    const std::string msg = err != nullptr ? err : "?";
    sqlite3_free(err);
    throw std::runtime_error("bench start: " + msg);
  }
}

// Adds `count` complete segments before the real recording (segment id 1), each with a hard-linked file.
void add_history(const std::filesystem::path& dir, const std::string& stream, int64_t count) {
  if (count <= 0) return;
  auto c = catalog::Catalog::open_existing(dir, catalog::Catalog::Access::read_write);
  const auto real = c.segment(1);
  if (!real) throw std::runtime_error("bench start: the real recording has no segment");
  const int64_t len = 60 * kSec;
  const int64_t t0 = real->start_wall_ns - (count + 60) * len;
  const int64_t recordings = (count + kSegmentsPerRecording - 1) / kSegmentsPerRecording;
  const std::string per = std::to_string(kSegmentsPerRecording), l = std::to_string(len), b = std::to_string(t0);
  sqlite3* db = nullptr;
  if (sqlite3_open((dir / "catalog.db").c_str(), &db) != SQLITE_OK) throw std::runtime_error("bench start: sqlite");
  try {
    exec(db, "PRAGMA journal_mode = WAL; BEGIN;");
    // Recording ids 1000 + i, segment paths <stream>/<recording id>-<ordinal>.mp4 like the recorder's.
    exec(db, "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < " +
                 std::to_string(recordings - 1) +
                 ") INSERT INTO recording (id, stream_id, trigger_wall_ns, trigger_mono_ns, preroll_requested_ns, "
                 "preroll_achieved_ns, postroll_ns, start_wall_ns, end_wall_ns, state, end_reason, recorder_pid) "
                 "SELECT 1000 + i, " + std::to_string(real->stream_id) + ", " + b + " + i * " + per + " * " + l +
                 ", 0, 0, 0, 0, " + b + " + i * " + per + " * " + l + ", " + b + " + (i + 1) * " + per + " * " + l +
                 ", 'complete', 'stopped', 1 FROM n");
    exec(db, "WITH RECURSIVE n(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM n WHERE j < " + std::to_string(count - 1) +
                 ") INSERT INTO segment (recording_id, stream_id, ordinal, path, start_wall_ns, end_wall_ns, "
                 "start_pts_90k, duration_90k, frames, keyframes, size_bytes, video_codec, width, height, "
                 "video_config, state, end_reason) SELECT 1000 + j / " + per + ", s.stream_id, j % " + per +
                 ", '" + stream + "/' || (1000 + j / " + per + ") || '-' || (j % " + per + ") || '.mp4', " + b +
                 " + j * " + l + ", " + b + " + (j + 1) * " + l + ", 0, 5400000, 1800, 60, s.size_bytes, "
                 "s.video_codec, s.width, s.height, s.video_config, 'complete', 'length' FROM n, segment s "
                 "WHERE s.id = 1");
    exec(db, "WITH RECURSIVE k(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM k WHERE x < " +
                 std::to_string(kKeyframesPerSegment - 1) +
                 ") INSERT INTO segment_keyframe (segment_id, sample_number, media_offset_90k, wall_ns, byte_offset) "
                 "SELECT s.id, x * 180, x * 540000, s.start_wall_ns + x * 6000000000, x * 1000 FROM segment s, k "
                 "WHERE s.id > 1");
    exec(db, "COMMIT; PRAGMA wal_checkpoint(TRUNCATE);");
  } catch (...) {
    sqlite3_close(db);
    throw;
  }
  sqlite3_close(db);
  // Every row gets its file: hard links to copies of the real segment.
  const auto source = c.absolute_path(*real);
  std::filesystem::path target;
  int64_t n = 0;
  for (const auto& s : c.segments(stream)) {
    if (s.id == 1) continue;
    if (n++ % kLinksPerFile == 0) {
      target = dir / ("link-source-" + std::to_string(n) + ".mp4");
      std::filesystem::copy_file(source, target);
    }
    std::filesystem::create_hard_link(target, c.absolute_path(s));
  }
}

void run_bench_start(const BenchStartArgs& a) {
  const fifo::SystemClock clock;  // the command's one clock: the rings' stamps, the recorders', every round's time
  if (a.segments < 2 || a.rounds < 1) throw std::invalid_argument("--segments must be >= 2 and --rounds >= 1");
  Scratch scratch;
  const auto input = a.input.empty() ? generate_input(scratch.path, 4) : std::filesystem::path(a.input);
  const auto stream = load_input(input);
  const std::string ring = "zcbenchstart" + std::to_string(::getpid());
  const std::vector<int64_t> sizes = {1, a.segments};
  std::vector<std::filesystem::path> dirs;
  for (const int64_t n : sizes) {
    dirs.push_back(scratch.path / ("catalog-" + std::to_string(n)));
    // The real recording: its segment is the one the history links to (a 1 s pre-roll only: one segment).
    FilledRing filled(ring, stream, clock);
    recorder::RecorderOptions o;
    o.stream = ring;
    o.dir = dirs.back();
    o.timing.preroll_ns = kSec;
    o.timing.postroll_ns = 0;
    o.timing.duration_ns = 0;
      recorder::Recorder::start(o, clock).run();
    const int64_t t = clock.mono_ns();
    add_history(dirs.back(), ring, n - 1);
    if (!a.json && n > 1) {
      std::fprintf(stderr, "prepared %lld catalogued segments in %.1f s\n", static_cast<long long>(n),
                   static_cast<double>(clock.mono_ns() - t) / 1e9);
    }
  }
  std::vector<std::vector<double>> first(sizes.size()), start(sizes.size());
  for (int r = 0; r < a.rounds; ++r) {
    for (size_t i = 0; i < sizes.size(); ++i) {
      const size_t k = r % 2 == 0 ? i : sizes.size() - 1 - i;  // alternate the order: drift hits both alike
      const auto t = record_once(stream, dirs[k], ring, clock);
      first[k].push_back(t.first_fragment_ms);
      start[k].push_back(t.start_ms);
    }
  }
  // For reference: what every start paid before issue 9, the full scan that opens every catalogued file.
  const int64_t c0 = clock.mono_ns();
  {
    auto c = catalog::Catalog::open_existing(dirs.back(), catalog::Catalog::Access::read_write);
    recorder::check_storage(c, false);
  }
  const double full_scan_ms = static_cast<double>(clock.mono_ns() - c0) / 1e6;

  const double small = median(first[0]), large = median(first[1]);
  const double ratio = large / small, ratio_fastest = fastest(first[1]) / fastest(first[0]);
  nlohmann::json j = {
      {"benchmark", "start"},
      {"rounds", a.rounds},
      {"preroll_s", 2},
      {"catalogued_segments", sizes},
      {"first_fragment_ms", {{"1", small}, {std::to_string(a.segments), large}}},
      {"start_call_ms", {{"1", median(start[0])}, {std::to_string(a.segments), median(start[1])}}},
      {"first_fragment_fastest_ms", {{"1", fastest(first[0])}, {std::to_string(a.segments), fastest(first[1])}}},
      {"first_fragment_ms_rounds", {{"1", first[0]}, {std::to_string(a.segments), first[1]}}},
      {"start_call_ms_rounds", {{"1", start[0]}, {std::to_string(a.segments), start[1]}}},
      {"ratio", ratio},
      {"ratio_fastest", ratio_fastest},
      {"target_ratio", 1.1},
      {"full_scan_ms", full_scan_ms},
  };
  if (a.json) {
    std::cout << j.dump() << "\n";
    return;
  }
  std::printf("trigger -> first fragment, median of %d rounds (2 s pre-roll, 1080p30 H.264):\n", a.rounds);
  std::printf("  %8d catalogued segment : %7.1f ms (Recorder::start %.1f ms)\n", 1, small, median(start[0]));
  std::printf("  %8lld catalogued segments: %7.1f ms (Recorder::start %.1f ms)\n", static_cast<long long>(a.segments),
              large, median(start[1]));
  std::printf("  ratio %.3f (target <= 1.1); fastest rounds %.1f / %.1f ms, ratio %.3f\n", ratio, fastest(first[1]),
              fastest(first[0]), ratio_fastest);
  std::printf("  for reference, the full scan of `zcrec check` (every start ran it before): %.0f ms\n", full_scan_ms);
}

}  // namespace

void add_start_command(CLI::App& bench) {
  auto a = std::make_shared<BenchStartArgs>();
  auto* cmd = bench.add_subcommand("start", "Trigger -> first fragment with 1 and with 100,000 catalogued segments");
  cmd->add_option("--input", a->input, "H.264/H.265 file to record (default: 4 s of 1080p30 testsrc2 via ffmpeg)");
  cmd->add_option("--segments", a->segments, "catalogued segments of the large catalog")->check(in_range(2, 10'000'000));
  cmd->add_option("--rounds", a->rounds, "rounds (medians and the fastest are reported)")->check(in_range(1, 1000));
  cmd->add_flag("--json", a->json, "one JSON object on stdout");
  cmd->callback([a] { run_bench_start(*a); });
}

}  // namespace zc::bench
