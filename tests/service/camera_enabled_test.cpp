// `enabled: false` (issue 21): a disabled camera is listed with its state, runs no ingest and takes no event, keeps
// its footage reachable; a reload that flips it starts or stops it.
#include "cli/cli_process.h"
#include "zcrecd_process.h"

#include <zc/fifo/ring_reader.h>

#include <gtest/gtest.h>
#include <httplib.h>

namespace zc::test {
namespace {

using namespace std::chrono_literals;

std::string camera(const std::string& name, bool enabled) {
  return "  " + name + ":\n    source: testsrc\n    testsrc: {size: 320x240, fps: 25, gop: 1s, bitrate: 300K}\n" +
         "    ring_size: 4M\n    record: {continuous: true}\n" + (enabled ? "" : "    enabled: false\n");
}

TEST(CameraEnabled, ADisabledCameraRunsNothingKeepsItsFootageAndAReloadFlipsIt) {
  TempDir dir;
  ZcrecdProcess d(dir.path(), camera("front", true) + camera("back", false));
  d.start();
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return d.camera("front")["ingest_state"] == "streaming"; }, 30s));
  const auto back = d.camera("back");
  ASSERT_TRUE(back.is_object()) << "a disabled camera is still listed";
  EXPECT_EQ(back["ingest_state"], "disabled");
  EXPECT_EQ(back["recording_state"], "idle");
  EXPECT_TRUE(d.ingest_pids("back").empty());
  EXPECT_THROW(fifo::RingReader::inspect(d.ring("back")), std::exception) << "no ring for a disabled camera";
  const auto refused = d.post("/api/v1/cameras/back/events", {{"duration", 1}});
  EXPECT_EQ(refused.status, 409) << refused.body.dump();
  EXPECT_NE(d.get("/metrics").status, 0);

  // Flipped by a reload: back starts, front stops but keeps its footage.
  ASSERT_TRUE(ZcrecdProcess::eventually([&] {
    for (const auto& s : d.catalog().segments(d.ring("front")))
      if (s.frames > 25) return true;
    return false;
  }, 30s));
  d.rewrite_config(camera("front", false) + camera("back", true));
  const auto reload = d.post("/api/v1/reload", nlohmann::json::object());
  ASSERT_EQ(reload.status, 200) << reload.body.dump();
  EXPECT_EQ(reload.body["changed"], nlohmann::json::array({"front"})) << reload.body.dump();
  EXPECT_EQ(reload.body["added"], nlohmann::json::array({"back"})) << reload.body.dump();
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return d.camera("back")["ingest_state"] == "streaming"; }, 30s));
  EXPECT_EQ(d.camera("front")["ingest_state"], "disabled");
  EXPECT_TRUE(ZcrecdProcess::eventually([&] { return d.ingest_pids("front").empty(); }, 10s)) << "front's ingest still runs";
  const auto segs = d.catalog().segments(d.ring("front"));
  ASSERT_FALSE(segs.empty());
  httplib::Client http("127.0.0.1", d.port());
  http.set_read_timeout(20);
  const auto clip = http.Get(("/api/v1/cameras/front/clip.mp4?from=" + rfc3339(segs.front().start_wall_ns) +
                              "&to=" + rfc3339(segs.back().end_wall_ns)).c_str());
  ASSERT_TRUE(clip);
  EXPECT_EQ(clip->status, 200) << "a disabled camera's footage is still served";
}

}  // namespace
}  // namespace zc::test
