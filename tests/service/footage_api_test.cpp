// What the CLI can do to footage, over HTTP (issue 21): lock, unlock and delete an event's recording, refusals
// that say why, the files really gone, and GET /api/v1/storage's disk use per camera.
#include "cli/cli_process.h"
#include "zcrecd_process.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>

namespace zc::test {
namespace {

using namespace std::chrono_literals;

HttpReply del(int port, const std::string& path) {
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(10);
  auto r = c.Delete(path.c_str());
  if (!r) return {};
  return {r->status, nlohmann::json::parse(r->body, nullptr, false)};
}

TEST(FootageApi, AnEventsRecordingIsLockedUnlockedAndDeletedAndStorageSaysWhatIsKept) {
  TempDir dir;
  ZcrecdProcess d(dir.path(),
                  "  door:\n    source: testsrc\n    testsrc: {size: 320x240, fps: 25, gop: 1s, bitrate: 300K}\n"
                  "    ring_size: 8M\n    record: {continuous: false, events: {preroll: 1s, postroll: 1s}}\n"
                  "  yard:\n    source: testsrc\n    testsrc: {size: 320x240, fps: 25, gop: 1s, bitrate: 300K}\n"
                  "    ring_size: 8M\n    record: {continuous: true, events: {preroll: 1s, postroll: 1s}}\n");
  d.start();
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return d.camera("door")["ingest_state"] == "streaming"; }, 30s));
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return d.camera("door")["ring_history_s"].get<double>() >= 2; }, 30s));
  const auto posted = d.post("/api/v1/cameras/door/events", {{"label", "parcel"}, {"duration", 1}});
  ASSERT_EQ(posted.status, 201) << posted.body.dump();
  const int64_t id = posted.body["id"];
  std::optional<int64_t> rec;
  ASSERT_TRUE(ZcrecdProcess::eventually([&] {
    const auto e = d.catalog().event(id);
    if (!e || !e->recording_id) return false;
    rec = e->recording_id;
    const auto r = d.catalog().recording(*rec);
    return r && r->state == "complete";
  }, 30s));
  const auto segments = d.catalog().segments_of_recording(*rec);
  ASSERT_FALSE(segments.empty());
  const std::string ev = "/api/v1/events/" + std::to_string(id);
  const std::string rp = "/api/v1/recordings/" + std::to_string(*rec);

  auto r = d.post(ev + "/lock", nlohmann::json::object());
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["locked"], true);
  EXPECT_TRUE(d.catalog().recording(*rec)->locked);
  r = del(d.port(), ev + "/footage");
  EXPECT_EQ(r.status, 409) << r.body.dump();
  EXPECT_NE(r.body["error"]["message"].get<std::string>().find("locked"), std::string::npos);
  for (const auto& s : segments) EXPECT_TRUE(std::filesystem::exists(d.storage_dir() / s.path)) << "a locked recording lost " << s.path;

  r = d.post(rp + "/unlock", nlohmann::json::object());
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_FALSE(d.catalog().recording(*rec)->locked);
  const auto before = d.get("/api/v1/storage");
  ASSERT_EQ(before.status, 200);
  r = del(d.port(), rp);
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["segments_deleted"].get<size_t>(), segments.size());
  for (const auto& s : segments) EXPECT_FALSE(std::filesystem::exists(d.storage_dir() / s.path)) << s.path;
  EXPECT_FALSE(d.catalog().recording(*rec).has_value()) << "the row goes with its last segment";
  EXPECT_EQ(del(d.port(), rp).status, 404);
  httplib::Client c("127.0.0.1", d.port());
  const auto clip = c.Get((ev + "/clip.mp4").c_str());
  ASSERT_TRUE(clip);
  EXPECT_EQ(clip->status, 404) << "the event's footage is gone";
  // Its thumbnail too: the ring still holds that keyframe, but deleted footage has no picture (attacker trial).
  const auto thumb = c.Get((ev + "/thumbnail.jpg").c_str());
  ASSERT_TRUE(thumb);
  EXPECT_EQ(thumb->status, 404) << thumb->get_header_value("X-Picture-Time");
  // The event listing says its footage is gone (its recording_id is null, as an over-continuous event's is).
  {
    const auto listed = d.get("/api/v1/events?camera=door");
    bool seen = false;
    for (const auto& e : listed.body["items"])
      if (ev == "/api/v1/events/" + std::to_string(e["id"].get<int64_t>())) {
        seen = true;
        EXPECT_EQ(e["footage"], false) << e.dump();
        EXPECT_TRUE(e["recording_id"].is_null());
      }
    EXPECT_TRUE(seen) << listed.body.dump();
  }
  // Deleting it again says it is gone, not that it lies over continuous footage (attacker trial).
  r = del(d.port(), ev + "/footage");
  EXPECT_EQ(r.status, 404) << r.body.dump();
  EXPECT_NE(r.body["error"]["message"].get<std::string>().find("no footage"), std::string::npos) << r.body.dump();

  // Storage: the door camera has nothing left, the continuous yard camera has footage and days kept.
  const auto after = d.get("/api/v1/storage");
  ASSERT_EQ(after.status, 200) << after.body.dump();
  EXPECT_GT(after.body["filesystem"]["total_bytes"].get<int64_t>(), 0);
  for (const auto& cam : after.body["cameras"]) {
    if (cam["camera"] == "door") {
      EXPECT_EQ(cam["segments"], 0) << after.body.dump();
      EXPECT_TRUE(cam["oldest"].is_null());
    } else {
      EXPECT_EQ(cam["camera"], "yard");
      EXPECT_GT(cam["size_bytes"].get<int64_t>(), 0);
      EXPECT_GT(cam["days_kept"].get<double>(), 0.0);
    }
  }

  // What cannot be done says why: the yard's recording is being written; an event over it owns none.
  const auto yard = d.catalog().recordings(d.ring("yard"));
  ASSERT_FALSE(yard.empty());
  r = del(d.port(), "/api/v1/recordings/" + std::to_string(yard.back().id));
  EXPECT_EQ(r.status, 409) << r.body.dump();
  const auto over = d.post("/api/v1/cameras/yard/events", {{"duration", 1}});
  ASSERT_EQ(over.status, 201);
  r = d.post("/api/v1/events/" + std::to_string(over.body["id"].get<int64_t>()) + "/lock", nlohmann::json::object());
  EXPECT_EQ(r.status, 409) << r.body.dump();
  // The reply is held by name: a range-for over a temporary's member reads it after the temporary is gone.
  auto yard_events = d.get("/api/v1/events?camera=yard");
  for (const auto& e : yard_events.body["items"])
    if (e["id"] == over.body["id"]) {
      EXPECT_EQ(e["footage"], true) << "over continuous footage: " << e.dump();
    }
  EXPECT_EQ(d.post("/api/v1/recordings/987654/lock", nlohmann::json::object()).status, 404);
  EXPECT_EQ(del(d.port(), "/api/v1/recordings/x1").status, 400);
}

}  // namespace
}  // namespace zc::test
