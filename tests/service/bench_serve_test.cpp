// `zcrec bench serve` end to end at its smallest: two paced 1080p30 cameras through the real zcrecd and through
// ffmpeg, a short window. It must finish, lose nothing at this load, and report figures that add up.
#include "cli_process.h"
#include "media_fixtures.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace zc::test {
namespace {

TEST(BenchServe, TwoCamerasReportCpuLossAndEventLatency) {
  TempDir dir;
  const auto r = run({kZcrec, "bench", "serve", "--cameras", "2", "--seconds", "5", "--warmup", "2", "--json", "--dir",
                      (dir / "work").string(), "--zcrecd", ZCRECD_BIN});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << r.out;
  const auto& a = j["zcrecd"];
  const auto& b = j["ffmpeg"];
  EXPECT_EQ(a["cameras"], 2);
  EXPECT_GT(a["cpu_us_per_camera_frame"].get<double>(), 0);
  EXPECT_GT(b["cpu_us_per_camera_frame"].get<double>(), 0);
  EXPECT_NEAR(j["ratio"].get<double>(),
              a["cpu_us_per_camera_frame"].get<double>() / b["cpu_us_per_camera_frame"].get<double>(), 1e-9);
  // 2 cameras x 30 fps x ~5 s reached the rings, and everything the rings got is in the catalog.
  EXPECT_NEAR(a["ring_frames_window"].get<double>(), a["camera_frames"].get<double>(), 30);
  EXPECT_GT(a["frames_recorded"].get<int64_t>(), 300);
  EXPECT_EQ(a["frames_recorded"], a["ring_frames_written"]);
  EXPECT_EQ(a["frames_lost"], 0);
  EXPECT_EQ(a["gap_rows"], 0);
  EXPECT_EQ(b["frames_lost"], 0);
  // ~5 events a second for 5 s, every one answered 201.
  EXPECT_GT(a["events_posted"].get<int>(), 5);
  EXPECT_EQ(a["events_failed"], 0);
  EXPECT_GT(a["event_p99_ms"].get<double>(), 0);
  EXPECT_FALSE(std::filesystem::exists(dir / "work")) << "the work directory (GBs at 64 cameras) is removed";
}

}  // namespace
}  // namespace zc::test
