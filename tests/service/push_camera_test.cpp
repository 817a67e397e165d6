// A camera with `source: push` (docs/serving.md, "Streams pushed in"): no ingest process; a real ffmpeg encoder
// (libx264 + AAC) pushes into rtsp://LISTEN/<camera> with the credentials of the rtsp: block, and zcrecd records
// it, serves it over RTSP and shows it (snapshot.jpg, live.mp4) like any other camera. Refusals: no credentials
// (401), a second pusher (503). The pusher SIGKILLed: the camera waits for a pusher; the next one continues the
// same recording, and an RTSP viewer connected across both keeps playing.
#include "cli/cli_process.h"
#include "cli/rtsp_camera.h"
#include "zcrecd_process.h"

#include <zc/fifo/ring_reader.h>

#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <algorithm>
#include <fstream>

namespace zc::test {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> push_argv(const std::string& url, int seconds) {
  return {"ffmpeg", "-nostdin", "-v", "error", "-re", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-f",
          "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", std::to_string(seconds), "-c:v", "libx264",
          "-preset", "veryfast", "-g", "50", "-pix_fmt", "yuv420p", "-c:a", "aac", "-f", "rtsp", "-rtsp_transport",
          "tcp", url};
}

std::string state(ZcrecdProcess& d, const std::string& cam) {
  const auto c = d.camera(cam);
  return c.is_object() ? c["ingest_state"].get<std::string>() : "";
}

// The complete segments of the camera's recordings: (recording id, path relative to the storage directory).
std::vector<std::pair<int64_t, std::string>> complete_segments(ZcrecdProcess& d, const std::string& cam) {
  std::vector<std::pair<int64_t, std::string>> out;
  const auto r = d.get("/api/v1/recordings?camera=" + cam + "&per_page=1000");
  if (r.status != 200) return out;
  for (const auto& rec : r.body["items"])
    for (const auto& s : rec["segments"])
      if (s["state"] == "complete") out.emplace_back(rec["id"].get<int64_t>(), s["path"].get<std::string>());
  return out;
}

TEST(ZcrecdPush, APushedCameraIsRecordedServedAndShownAndTheNextPusherContinuesItsRecording) {
  TempDir dir;
  const int port = free_local_port();
  const auto pass = dir.path() / "rtsp.pass";
  std::ofstream(pass) << "pu5h-pass\n";
  const std::string rtsp = "rtsp: {listen: 127.0.0.1:" + std::to_string(port) + ", user: cam, password_file: " +
                           pass.string() + "}\n";
  ZcrecdProcess d(dir.path(), "  door:\n    source: push\n    ring_size: 16M\n    record: {continuous: true}\n", rtsp);
  d.log_to(dir.path() / "zcrecd.log");
  d.start();
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return state(d, "door") == "waiting_for_pusher"; }, 20s))
      << d.camera("door").dump();
  EXPECT_TRUE(d.ingest_processes().empty()) << "a pushed camera has no ingest process";

  const std::string base = "rtsp://127.0.0.1:" + std::to_string(port) + "/door";
  const std::string with = "rtsp://cam:pu5h-pass@127.0.0.1:" + std::to_string(port) + "/door";
  const auto anonymous = run(push_argv(base, 5));
  EXPECT_NE(anonymous.exit_code, 0);
  EXPECT_NE(anonymous.err.find("401"), std::string::npos) << anonymous.err;

  auto first = std::make_unique<Background>(push_argv(with, 600), dir.path() / "first.log");
  ASSERT_TRUE(ZcrecdProcess::eventually([&] {
    const auto c = d.camera("door");
    return c["ingest_state"] == "streaming" && c["recording_state"] == "continuous" && c["fps"].get<double>() > 0;
  }, 60s)) << d.camera("door").dump() << read_file(dir.path() / "first.log");

  const auto second = run(push_argv(with, 5));
  EXPECT_NE(second.exit_code, 0);
  EXPECT_NE(second.err.find("503"), std::string::npos) << second.err;

  // Shown like any camera: a snapshot and the live view decode.
  httplib::Client http("127.0.0.1", d.port());
  const auto snap = http.Get("/api/v1/cameras/door/snapshot.jpg");
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->status, 200) << snap->body;
  EXPECT_EQ(snap->get_header_value("Content-Type"), "image/jpeg");
  const auto live = run({"ffmpeg", "-v", "error", "-i",
                         "http://127.0.0.1:" + std::to_string(d.port()) + "/api/v1/cameras/door/live.mp4", "-t", "3",
                         "-f", "null", "-"});
  EXPECT_EQ(live.exit_code, 0) << live.err;
  EXPECT_EQ(live.err, "");

  // An RTSP viewer, there before the pusher dies.
  const auto viewer_log = dir.path() / "viewer.log";
  Background viewer({"ffmpeg", "-nostdin", "-v", "error", "-rtsp_transport", "tcp", "-i", with, "-t", "600", "-f",
                     "null", "-"}, viewer_log);
  ASSERT_TRUE(ZcrecdProcess::eventually([&] {
    const auto c = d.camera("door");
    return c.contains("rtsp") && c["rtsp"]["clients"] == 1 && c["rtsp"]["bytes_sent"].get<uint64_t>() > 0;
  }, 20s)) << d.camera("door").dump();

  first->stop(SIGKILL, 30s);
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return state(d, "door") == "waiting_for_pusher"; }, 30s))
      << d.camera("door").dump();
  const size_t segments_before = complete_segments(d, "door").size();

  auto next = std::make_unique<Background>(push_argv(with, 600), dir.path() / "next.log");
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return state(d, "door") == "streaming"; }, 60s))
      << d.camera("door").dump() << read_file(dir.path() / "next.log");
  EXPECT_EQ(d.camera("door")["reconnects"], 1) << d.camera("door").dump();
  // Two more segments (4 s each) of the second push's footage.
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return complete_segments(d, "door").size() >= segments_before + 2; },
                                        60s))
      << d.get("/api/v1/recordings?camera=door").body.dump();

  // One recording across both pushes: the pusher's disconnect was a discontinuity, not the recording's end.
  const auto segments = complete_segments(d, "door");
  for (const auto& [id, path] : segments) {
    EXPECT_EQ(id, segments.front().first) << path;
    const auto dec = run({"ffmpeg", "-v", "error", "-i", (d.storage_dir() / path).string(), "-f", "null", "-"});
    EXPECT_EQ(dec.exit_code, 0) << path << ": " << dec.err;
    EXPECT_EQ(dec.err, "") << path;
  }
  EXPECT_EQ(d.camera("door")["recording_state"], "continuous");
  const auto push = d.camera("door")["rtsp"]["push"];
  EXPECT_EQ(push["pushing"], true) << push.dump();
  EXPECT_EQ(push["pushes"], 2) << push.dump();
  EXPECT_EQ(push["refused"], 1) << push.dump();  // the second pusher (the one without credentials never got here)
  {
    const auto m = http.Get("/metrics");
    ASSERT_TRUE(m);
    EXPECT_NE(m->body.find("zcrec_camera_pushes_total{camera=\"door\"} 2"), std::string::npos) << m->body;
    EXPECT_NE(m->body.find("zcrec_camera_pushes_refused_total{camera=\"door\"} 1"), std::string::npos);
    EXPECT_NE(m->body.find("zcrec_camera_pushing{camera=\"door\"} 1"), std::string::npos);
  }
  EXPECT_TRUE(viewer.running()) << read_file(viewer_log);
  EXPECT_EQ(d.camera("door")["rtsp"]["clients"], 1);

  // The log has a line per push, not one per packet or per second without a pusher.
  const auto log = read_file(dir.path() / "zcrecd.log");
  size_t pusher_lines = 0;
  for (size_t at = log.find(" pusher "); at != std::string::npos; at = log.find(" pusher ", at + 1)) ++pusher_lines;
  EXPECT_LE(pusher_lines, 6u) << log;
  EXPECT_EQ(log.find("CRITICAL"), std::string::npos) << log;  // GLib's and GStreamer's own complaints
  EXPECT_EQ(log.find("WARNING **"), std::string::npos) << log;
  EXPECT_EQ(log.find("pu5h-pass"), std::string::npos) << "the password was logged";
}

// A reload turns a pulled camera into a pushed one and back: its ingest process is stopped before a pusher can
// come, and the RTSP server gives up the ring's writer before the ingest opens the ring again (the server's
// mounts change before the new cameras start; in the other order only the ingest thread's start-up delay kept the
// new ingest from finding the daemon itself holding the ring).
TEST(ZcrecdPush, AReloadTurnsACameraIntoAPushedOneAndBack) {
  TempDir dir;
  const int port = free_local_port();
  const std::string rtsp = "rtsp: {listen: 127.0.0.1:" + std::to_string(port) + "}\n";
  const std::string pulled = "  door:\n    source: testsrc\n    testsrc: {size: 320x240, fps: 25, gop: 2s}\n"
                             "    ring_size: 16M\n    record: {continuous: false}\n";
  const std::string pushed = "  door:\n    source: push\n    ring_size: 16M\n    record: {continuous: false}\n";
  ZcrecdProcess d(dir.path(), pulled, rtsp);
  d.start();
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return state(d, "door") == "streaming"; }, 30s)) << d.camera("door").dump();
  ASSERT_EQ(d.ingest_pids("door").size(), 1u);

  d.rewrite_config(pushed, rtsp);
  ASSERT_EQ(d.post("/api/v1/reload", nlohmann::json::object()).status, 200);
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return state(d, "door") == "waiting_for_pusher"; }, 30s))
      << d.camera("door").dump();
  EXPECT_TRUE(d.ingest_pids("door").empty());
  Background pusher(push_argv("rtsp://127.0.0.1:" + std::to_string(port) + "/door", 600), dir.path() / "push.log");
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return state(d, "door") == "streaming"; }, 60s))
      << d.camera("door").dump() << read_file(dir.path() / "push.log");

  d.rewrite_config(pulled, rtsp);
  ASSERT_EQ(d.post("/api/v1/reload", nlohmann::json::object()).status, 200);
  ASSERT_TRUE(ZcrecdProcess::eventually([&] {
    const auto c = d.camera("door");
    return c["ingest_state"] == "streaming" && d.ingest_pids("door").size() == 1;
  }, 30s)) << d.camera("door").dump();
  EXPECT_TRUE(d.camera("door")["last_error"].is_null()) << d.camera("door").dump();
  // The ring is the ingest's again: its writer is the `zcrec feed` process.
  EXPECT_EQ(fifo::RingReader::inspect(d.ring("door")).writer_pid, static_cast<uint32_t>(d.ingest_pids("door")[0]));
}

// The issue's own words: `ffmpeg -re -i file -c copy -f rtsp rtsp://.../<camera>` pushes, zcrecd records it, an
// event over it has its pre-roll, and the event's clip.mp4 decodes.
TEST(ZcrecdPush, AFilePushedWithStreamCopyIsRecordedAndAnEventOverItHasItsPrerollAndClip) {
  TempDir dir;
  const auto file = dir.path() / "in.mp4";
  const auto made = run({"ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-f", "lavfi",
                         "-i", "sine=frequency=440:sample_rate=48000", "-t", "30", "-c:v", "libx264", "-preset",
                         "veryfast", "-g", "50", "-pix_fmt", "yuv420p", "-c:a", "aac", file.string()});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  const int port = free_local_port();
  const std::string rtsp = "rtsp: {listen: 127.0.0.1:" + std::to_string(port) + "}\n";
  ZcrecdProcess d(dir.path(),
                  "  gate:\n    source: push\n    ring_size: 16M\n    record:\n      continuous: false\n"
                  "      events: {preroll: 2s, postroll: 1s, max_length: 1m}\n",
                  rtsp);
  d.start();
  Background pusher({"ffmpeg", "-nostdin", "-v", "error", "-re", "-i", file.string(), "-c", "copy", "-f", "rtsp",
                     "-rtsp_transport", "tcp", "rtsp://127.0.0.1:" + std::to_string(port) + "/gate"},
                    dir.path() / "push.log");
  // Enough of the ring for the pre-roll before the event.
  ASSERT_TRUE(ZcrecdProcess::eventually([&] {
    const auto c = d.camera("gate");
    return c["ingest_state"] == "streaming" && c["ring_history_s"].get<double>() >= 3;
  }, 60s)) << d.camera("gate").dump() << read_file(dir.path() / "push.log");

  const auto created = d.post("/api/v1/cameras/gate/events", {{"label", "pushed"}, {"duration", "2s"}});
  ASSERT_EQ(created.status, 201) << created.body.dump();
  const std::string event = "/api/v1/events/" + std::to_string(created.body["id"].get<int64_t>());
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return d.get(event).body["state"] == "ended"; }, 30s))
      << d.get(event).body.dump();
  // Its recording is complete once the post-roll is written.
  ASSERT_TRUE(ZcrecdProcess::eventually([&] {
    const auto r = d.get("/api/v1/recordings?camera=gate");
    return r.status == 200 && r.body["total"] == 1 && r.body["items"][0]["state"] == "complete";
  }, 30s)) << d.get("/api/v1/recordings?camera=gate").body.dump();
  const auto rec = d.get("/api/v1/recordings?camera=gate").body["items"][0];
  EXPECT_GE(rec["preroll_achieved_s"].get<double>(), 1.5) << rec.dump();

  httplib::Client http("127.0.0.1", d.port());
  http.set_read_timeout(30, 0);
  const auto clip = http.Get((event + "/clip.mp4").c_str());
  ASSERT_TRUE(clip);
  ASSERT_EQ(clip->status, 200) << clip->body.substr(0, 300);
  const auto clip_file = dir.path() / "clip.mp4";
  std::ofstream(clip_file, std::ios::binary) << clip->body;
  // Every frame decoded with no error, and no two pictures on one tick (with one-tick dts at a push's start, ffmpeg
  // once found two decoded pictures on the same 1/25 s tick ~4 s into such a clip).
  const auto dec = run({"ffmpeg", "-v", "error", "-i", clip_file.string(), "-map", "0", "-f", "null", "-"});
  EXPECT_EQ(dec.exit_code, 0) << dec.err;
  EXPECT_EQ(dec.err, "");
  // Pre-roll + event + post-roll: about 5 s, video and audio.
  const auto len = run({"ffprobe", "-v", "error", "-show_entries", "format=duration:stream=codec_name", "-of",
                        "default=nw=1:nk=1", clip_file.string()});
  EXPECT_NE(len.out.find("h264"), std::string::npos) << len.out;
  EXPECT_NE(len.out.find("aac"), std::string::npos) << len.out;
  const double seconds = std::stod(len.out.substr(len.out.rfind('\n', len.out.size() - 2) + 1));
  EXPECT_GE(seconds, 4.0) << len.out;
}

}  // namespace
}  // namespace zc::test
