// Issue 18 item 6: a camera renamed by a reload keeps its past. Its footage answers clip.mp4, timeline and the
// listings by the name it was recorded under, GET /api/v1/cameras lists it apart as retired, and the global
// retention still applies to it. The real daemon, a real HTTP client, ffprobe on the clip.
#include "media_fixtures.h"
#include "zcrecd_process.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <ctime>
#include <fstream>
#include <thread>

namespace zc::test {
namespace {

using namespace std::chrono_literals;

std::string camera_yaml(const std::string& name) {
  return "  " + name + ":\n    source: testsrc\n    testsrc: {size: 320x240, fps: 25, gop: 1s, bitrate: 300K}\n" +
         "    ring_size: 8M\n    record: {continuous: true}\n";
}

nlohmann::json retired(ZcrecdProcess& d) {
  const auto r = d.get("/api/v1/cameras");
  return r.status == 200 ? r.body["retired"] : nlohmann::json();
}

TEST(ZcrecdRetiredCameras, ARenamedCamerasFootageStaysReachableByItsOldNameUntilRetentionDeletesIt) {
  TempDir dir;
  // Retention: footage older than 40 s goes, checked every second (the retired camera's footage too).
  const std::string retention = "retention: {max_age: 40s}\n";
  ZcrecdProcess d(dir.path(), "", retention);
  d.set_storage_options("retention_interval: 1s");
  d.rewrite_config(camera_yaml("alpha"), retention);
  d.start();
  ASSERT_TRUE(ZcrecdProcess::eventually(
      [&] {
        for (const auto& s : d.catalog().segments(d.ring("alpha")))
          if (s.state == "complete") return true;
        return false;
      },
      30s));

  // Renamed (same source): alpha's recording ends, beta's begins.
  d.rewrite_config(camera_yaml("beta"), retention);
  const auto reload = d.post("/api/v1/reload", nlohmann::json::object());
  ASSERT_EQ(reload.status, 200) << reload.body.dump();
  const auto segs = d.catalog().segments(d.ring("alpha"));
  ASSERT_FALSE(segs.empty());
  int64_t frames = 0;
  for (const auto& s : segs) frames += s.frames;
  ASSERT_GT(frames, 25);
  // All of alpha's footage (its last segment alone may hold a few frames: the reload cut it).
  catalog::SegmentRow seg = segs.back();
  seg.start_wall_ns = segs.front().start_wall_ns;

  httplib::Client http("127.0.0.1", d.port());
  http.set_read_timeout(20);
  const auto clip = http.Get(("/api/v1/cameras/alpha/clip.mp4?from=" + rfc3339(seg.start_wall_ns) + "&to=" +
                              rfc3339(seg.end_wall_ns)).c_str());
  ASSERT_TRUE(clip);
  ASSERT_EQ(clip->status, 200) << clip->body;
  const auto file = dir / "alpha.mp4";
  std::ofstream(file, std::ios::binary) << clip->body;
  const auto probe = run({"ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                          "stream=nb_read_frames", "-of", "csv=p=0", file.string()});
  EXPECT_EQ(probe.exit_code, 0) << probe.err;
  EXPECT_GE(std::atoi(probe.out.c_str()), frames - 1) << probe.out;  // the clip may start at a keyframe

  const auto timeline = d.get("/api/v1/cameras/alpha/timeline?from=-10m&to=now");
  ASSERT_EQ(timeline.status, 200) << timeline.body.dump();
  EXPECT_FALSE(timeline.body["recordings"].empty());
  const auto listing = d.get("/api/v1/recordings?camera=alpha");
  ASSERT_EQ(listing.status, 200) << listing.body.dump();
  EXPECT_GE(listing.body["total"].get<int>(), 1);
  EXPECT_EQ(listing.body["items"][0]["camera"], "alpha");

  // Listed apart: beta runs, alpha is retired.
  const auto cams = d.get("/api/v1/cameras");
  ASSERT_EQ(cams.status, 200);
  ASSERT_EQ(cams.body["items"].size(), 1u);
  EXPECT_EQ(cams.body["items"][0]["name"], "beta");
  ASSERT_EQ(cams.body["retired"].size(), 1u) << cams.body.dump();
  EXPECT_EQ(cams.body["retired"][0]["name"], "alpha");
  EXPECT_EQ(cams.body["retired"][0]["stream"], d.ring("alpha"));
  EXPECT_GT(cams.body["retired"][0]["bytes"].get<int64_t>(), 0);
  // A name that never recorded anything is still unknown.
  EXPECT_EQ(d.get("/api/v1/cameras/gamma/timeline").status, 404);
  const auto nosuch = http.Get("/api/v1/cameras/gamma/clip.mp4?from=-10s&to=now");
  ASSERT_TRUE(nosuch);
  EXPECT_EQ(nosuch->status, 404);

  // Retention goes on for the retired camera: once its footage is older than max_age it is deleted and the
  // camera leaves the retired list (bounded by the daemon's own retention schedule, not by luck).
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return retired(d).is_array() && retired(d).empty(); }, 90s))
      << retired(d).dump();
  EXPECT_TRUE(d.catalog().segments(d.ring("alpha")).empty());
  const auto gone = http.Get(("/api/v1/cameras/alpha/clip.mp4?from=" + rfc3339(seg.start_wall_ns) + "&to=" +
                              rfc3339(seg.end_wall_ns)).c_str());
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->status, 404);
  d.kill(SIGTERM);
  ASSERT_TRUE(d.wait(15s));
}

// The page (headless Chromium, web_browser_driver.py --retired): the renamed camera is listed apart under
// "Retired", and selecting it loads its timeline with its footage and starts no live view.
TEST(ZcrecdRetiredCameras, ThePageListsARetiredCameraApartAndShowsItsFootage) {
  TempDir dir;
  ZcrecdProcess d(dir.path(), camera_yaml("alpha"));
  const auto log = dir / "zcrecd.log";
  d.log_to(log);
  d.start();
  ASSERT_TRUE(ZcrecdProcess::eventually(
      [&] {
        for (const auto& s : d.catalog().segments(d.ring("alpha")))
          if (s.state == "complete") return true;
        return false;
      },
      30s));
  d.rewrite_config(camera_yaml("beta"));
  ASSERT_EQ(d.post("/api/v1/reload", nlohmann::json::object()).status, 200);
  ASSERT_TRUE(ZcrecdProcess::eventually(
      [&] {
        const auto c = d.camera("beta");
        return c.is_object() && c["ingest_state"] == "streaming" && c["ring_history_s"].get<double>() >= 2;
      },
      30s));

  const std::filesystem::path artifacts = ZC_TEST_ARTIFACTS;
  std::filesystem::create_directories(artifacts);
  const auto shot = artifacts / "web_page_retired.png";
  std::filesystem::remove(shot);
  const auto r = run({"/usr/bin/python3", ZC_WEB_DRIVER, "--url", "http://127.0.0.1:" + std::to_string(d.port()) + "/",
                      "--log", log.string(), "--screenshot", shot.string(), "--retired", "alpha"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  std::cout << r.out;
}

}  // namespace
}  // namespace zc::test
