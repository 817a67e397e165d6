// The timeline route's cost on a big catalog (docs/benchmarks.md, "Timeline"): builds, once, a catalog holding
// DAYS days of one-minute segments of one camera through the catalog API (one recording a day, an event every
// three hours, a gap a day), then times the route's work — timeline_json over one day, and its JSON text — for
// random days. Not run by ctest: generating a year takes minutes.
//   timeline_bench DIR [DAYS]     (DIR is reused when it already holds a catalog)
#include "http_timeline.h"

#include <zc/catalog/catalog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <ctime>

namespace {

constexpr int64_t kMinute = 60'000'000'000;
constexpr int64_t kDay = 1440 * kMinute;
constexpr int64_t kOrigin = 1'735'689'600'000'000'000;  // 2025-01-01T00:00:00Z

void generate(const std::filesystem::path& dir, int days) {
  auto c = zc::catalog::Catalog::open(dir);
  c.ensure_stream("cam", kOrigin);
  const auto t0 = std::chrono::steady_clock::now();
  for (int d = 0; d < days; ++d) {
    const int64_t day = kOrigin + d * kDay;
    zc::catalog::NewRecording nr{"cam", day, 0, 0, 0, std::nullopt, 1, "continuous", std::nullopt};
    const int64_t rec = c.begin_recording(nr);
    c.set_recording_start(rec, day, 0);
    for (int m = 0; m < 1440; ++m) {
      const int64_t start = day + m * kMinute;
      zc::catalog::NewSegment ns{rec, m, "cam/" + std::to_string(d) + "-" + std::to_string(m) + ".mp4", start, 0,
                                 "h264", 1920, 1080, {0, 0, 0, 1, 0x67, 0x64}, "", 0, 0};
      const int64_t id = c.begin_segment(ns);
      // One keyframe row per segment: the timeline never reads them; a full GOP index would only make this slow.
      zc::catalog::SegmentProgress p{start + kMinute, 60 * 90'000, 1500, 60, 4'000'000, 0, {{0, 0, start, 1200}}};
      c.finish_segment(id, "complete", "length", p);
    }
    c.add_gap({0, 0, rec, day + 700 * kMinute, day + 700 * kMinute + 2'000'000'000, 50, "lapped"});
    for (int e = 0; e < 8; ++e) {
      zc::catalog::NewEvent ev{"cam", "motion", 0.9, "", day + e * 180 * kMinute, day + e * 180 * kMinute, 5'000'000'000,
                               5'000'000'000, std::nullopt, std::nullopt};
      const int64_t id = c.add_event(ev);
      c.end_event(id, day + e * 180 * kMinute + 30'000'000'000, "ended");
    }
    c.finish_recording(rec, "complete", "stopped", day + kDay);
    if (d % 10 == 9)
      std::fprintf(stderr, "day %d: %.0f s\n", d + 1,
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
}

// CPU time of this thread: on a machine shared with other work, the part of the wall time that is the route's.
double cpu_ms() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: timeline_bench DIR [DAYS]\n");
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  const int days = argc > 2 ? std::atoi(argv[2]) : 365;
  if (!std::filesystem::exists(dir / "catalog.db")) generate(dir, days);
  const auto c = zc::catalog::Catalog::open_existing(dir, zc::catalog::Catalog::Access::read_only);
  std::printf("catalog: %lld segments, %lld events\n", static_cast<long long>(c.counts().segments),
              static_cast<long long>(c.counts().events));
  std::mt19937 rng(7);
  std::vector<double> ms, cpu;
  size_t bytes = 0, spans = 0;
  for (int i = 0; i < 50; ++i) {
    const int d = std::uniform_int_distribution<int>(0, days - 1)(rng);
    const int64_t from = kOrigin + d * kDay + 3600'000'000'000LL;  // a day that straddles two recordings
    const auto t = std::chrono::steady_clock::now();
    const double c0 = cpu_ms();
    const auto j = zc::service::http::timeline_json(c, "cam", from, from + kDay);
    const std::string text = j.dump();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count());
    cpu.push_back(cpu_ms() - c0);
    bytes = text.size();
    spans = j["recordings"].size();
  }
  std::sort(ms.begin(), ms.end());
  std::sort(cpu.begin(), cpu.end());
  std::printf("timeline of a day (%zu spans, %zu bytes of JSON), 50 random days: wall median %.2f ms, p90 %.2f ms, "
              "max %.2f ms; CPU median %.2f ms, max %.2f ms\n",
              spans, bytes, ms[25], ms[45], ms[49], cpu[25], cpu[49]);
  return ms[25] <= 20.0 ? 0 : 1;
}
