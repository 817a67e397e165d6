// zc_soak [--seconds S] [--work-dir D] [--campaigns ring,recorder,disk-full]: runs the ring, recorder-kill and
// disk-full campaigns (all by default, or the ones named) side by side for S seconds, prints progress every minute and the figures at the end. Exit 0 iff nothing broke: no content
// error, no process that failed to start or report, no inconsistent catalog. Whether the figures reach the
// issue's targets (volumes that need about an hour) is printed as a verdict, not part of the exit code.
#include "soak.h"

#include <CLI/CLI.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <thread>

namespace zc::soak {

namespace {
std::mutex g_note_mutex;
Clock::time_point g_start = Clock::now();
}  // namespace

void note(const std::string& line) {
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - g_start).count();
  std::lock_guard lock(g_note_mutex);
  std::fprintf(stderr, "[%5llds] %s\n", static_cast<long long>(s), line.c_str());
  std::fflush(stderr);
}

namespace {

std::string progress(const RingFigures& r, RecorderFigures& c) {
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "frames checked %llu, content errors %llu, writer kills %llu, reader kills %llu, recorder kills "
                "%llu, disk-full cycles %llu, failures %llu",
                (unsigned long long)r.frames_checked, (unsigned long long)r.content_errors,
                (unsigned long long)r.writer_kills, (unsigned long long)r.reader_kills, (unsigned long long)c.kills,
                (unsigned long long)c.disk_full_cycles,
                (unsigned long long)(r.failures + c.failures + c.disk_full_failures));
  return buf;
}

}  // namespace

}  // namespace zc::soak

int main(int argc, char** argv) {
  using namespace zc::soak;
  CLI::App app{"zc_soak: content-checked ring, recorder kills and disk-full cycles against real processes"};
  double seconds = 60;
  Paths p{ZC_RING_AGENT_PATH, ZC_ZCREC_PATH, ""};
  app.add_option("--seconds", seconds, "how long the campaigns run")->check(CLI::PositiveNumber);
  // Copies of the binaries let the soak run for an hour while the build tree is rebuilt under it.
  app.add_option("--zcrec", p.zcrec, "the zcrec binary to run (default: this build's)")->check(CLI::ExistingFile);
  app.add_option("--ring-agent", p.ring_agent, "the fifo_ring_agent binary (default: this build's)")
      ->check(CLI::ExistingFile);
  app.add_option("--work-dir", p.work_dir, "where catalogs and the tmpfs go (default: a fresh temp dir)");
  // One campaign alone lets it run at a priority the others would starve the machine at (the recorder campaign
  // measures loss per kill, which a CPU-starved recorder inflates by its own lag).
  std::vector<std::string> campaigns{"ring", "recorder", "disk-full"};
  app.add_option("--campaigns", campaigns, "which campaigns run (comma-separated)")
      ->delimiter(',')
      ->check(CLI::IsMember({"ring", "recorder", "disk-full"}));
  CLI11_PARSE(app, argc, argv);
  std::filesystem::path work = p.work_dir.empty()
                                   ? std::filesystem::temp_directory_path() / ("zc_soak_" + std::to_string(::getpid()))
                                   : std::filesystem::path(p.work_dir);
  std::filesystem::create_directories(work);
  p.work_dir = work.string();

  const auto until = Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
  RingFigures ring;
  RecorderFigures rec;
  note("soak for " + std::to_string(seconds) + " s in " + p.work_dir);
  auto guarded = [](const char* name, auto fn) {
    return [name, fn] {
      try {
        fn();
      } catch (const std::exception& e) {
        note(std::string(name) + " campaign stopped: " + e.what());
      }
    };
  };
  std::atomic<uint64_t> crashed{0};
  auto runs = [&](const char* name) { return std::find(campaigns.begin(), campaigns.end(), name) != campaigns.end(); };
  std::vector<std::thread> threads;
  if (runs("ring")) threads.emplace_back(guarded("ring", [&] { run_ring_campaign(p, until, ring); }));
  if (runs("recorder")) threads.emplace_back(guarded("recorder", [&] { run_recorder_campaign(p, until, rec); }));
  if (runs("disk-full")) threads.emplace_back(guarded("disk-full", [&] { run_disk_full_campaign(p, until, rec); }));
  while (Clock::now() < until) {
    std::this_thread::sleep_for(std::min<Clock::duration>(std::chrono::seconds(60), until - Clock::now()));
    if (Clock::now() < until) note(progress(ring, rec));
  }
  for (auto& t : threads) t.join();
  std::filesystem::remove_all(work);

  std::vector<double> lost;
  {
    std::lock_guard lock(rec.m);
    lost = rec.fragments_lost;
  }
  const double max_lost = lost.empty() ? 0 : *std::max_element(lost.begin(), lost.end());
  const double mean_lost = lost.empty() ? 0 : std::accumulate(lost.begin(), lost.end(), 0.0) / lost.size();
  const uint64_t failures = ring.failures + rec.failures + rec.disk_full_failures + crashed;
  std::string names;
  for (const auto& c : campaigns) names += (names.empty() ? "" : ",") + c;
  std::printf("soak figures after %.0f s (campaigns: %s)\n", seconds, names.c_str());
  std::printf("  ring: frames checked             %llu (by %llu reader runs)\n",
              (unsigned long long)ring.frames_checked, (unsigned long long)ring.reader_runs);
  std::printf("  ring: torn/duplicate/out-of-order/misreported-loss frames %llu\n",
              (unsigned long long)ring.content_errors);
  std::printf("  ring: frames lost by lapped readers (reported to them) %llu\n", (unsigned long long)ring.frames_lost);
  std::printf("  ring: writer SIGKILLs survived   %llu (%llu while holding a reserved frame)\n",
              (unsigned long long)ring.writer_kills, (unsigned long long)ring.writer_mid_frame_kills);
  std::printf("  ring: reader SIGKILLs survived   %llu\n", (unsigned long long)ring.reader_kills);
  std::printf("  recorder: SIGKILLs survived      %llu (catalog inconsistent after %llu)\n",
              (unsigned long long)rec.kills, (unsigned long long)rec.inconsistent);
  std::printf("  recorder: fragments lost per kill max %.2f mean %.2f; kills losing more than one %llu\n", max_lost,
              mean_lost, (unsigned long long)rec.over_one_fragment);
  if (rec.disk_full_skipped.empty())
    std::printf("  disk-full cycles                 %llu ok, %llu failed\n", (unsigned long long)rec.disk_full_cycles,
                (unsigned long long)rec.disk_full_failures);
  else
    std::printf("  disk-full cycles                 %llu ok, %llu failed (%s)\n",
                (unsigned long long)rec.disk_full_cycles, (unsigned long long)rec.disk_full_failures,
                rec.disk_full_skipped.c_str());
  std::printf("  process failures                 %llu\n", (unsigned long long)failures);
  // A partial run is judged only on the campaigns it ran.
  const bool ring_ok = !runs("ring") || (ring.frames_checked >= 100'000'000 && ring.content_errors == 0 &&
                                         ring.writer_kills >= 1000);
  const bool recorder_ok = !runs("recorder") || (rec.kills >= 1000 && rec.over_one_fragment == 0);
  const bool targets = ring_ok && recorder_ok;
  std::printf("targets (>= 1e8 frames, 0 content errors, >= 1000 writer and recorder kills, <= 1 fragment per kill): "
              "%s\n",
              targets ? "met" : "NOT met");
  std::fflush(stdout);
  const bool broken = ring.content_errors != 0 || rec.inconsistent != 0 || rec.over_one_fragment != 0 || failures != 0;
  return broken ? 1 : 0;
}
