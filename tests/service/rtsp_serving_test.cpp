// zcrecd's RTSP server (issue 20): `rtsp: {listen: ...}` serves every enabled camera at rtsp://LISTEN/<camera>;
// ffmpeg decodes it with no error from a keyframe on; a reload adds and removes cameras without cutting the
// clients of the others; clients and bytes are counted per camera; credentials from the config are required.
#include "cli/cli_process.h"
#include "cli/rtsp_camera.h"
#include "zcrecd_process.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <fstream>

namespace zc::test {
namespace {

using namespace std::chrono_literals;

std::string camera(const std::string& name, const std::string& codec = "h264") {
  return "  " + name + ":\n    source: testsrc\n    testsrc: {size: 320x240, fps: 25, gop: 2s, codec: " + codec +
         ", bitrate: 300k}\n    ring_size: 8M\n    record: {continuous: false}\n";
}

bool streaming(ZcrecdProcess& d, const std::string& cam) {
  const auto c = d.camera(cam);
  return c.is_object() && c["ingest_state"] == "streaming" && c["ring_history_s"].get<double>() >= 1;
}

// The first video packet's flags and a 4 s decode of rtsp://.../<path> over TCP.
void expect_served(const std::string& url) {
  const auto packets = run({"ffprobe", "-v", "error", "-rtsp_transport", "tcp", "-select_streams", "v:0",
                            "-read_intervals", "%+#5", "-show_entries", "packet=flags", "-of", "csv=p=0", url});
  ASSERT_EQ(packets.exit_code, 0) << url << ": " << packets.err;
  EXPECT_EQ(packets.out.substr(0, 1), "K") << url << ": the first packet a client gets is a keyframe";
  const auto decode = run({"ffmpeg", "-v", "error", "-rtsp_transport", "tcp", "-i", url, "-t", "4", "-f", "null", "-"});
  EXPECT_EQ(decode.exit_code, 0) << url << ": " << decode.err;
  EXPECT_EQ(decode.err, "") << url;
}

TEST(ZcrecdRtsp, EveryCameraIsServedByNameFromAKeyframeAndAReloadChangesCamerasWithoutCuttingTheOthers) {
  TempDir dir;
  const int port = free_local_port();
  const std::string rtsp = "rtsp: {listen: 127.0.0.1:" + std::to_string(port) + "}\n";
  ZcrecdProcess d(dir.path(), camera("door") + camera("yard", "h265"), rtsp);
  d.start();
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return streaming(d, "door") && streaming(d, "yard"); }, 30s));
  const std::string base = "rtsp://127.0.0.1:" + std::to_string(port) + "/";
  expect_served(base + "door");
  expect_served(base + "yard");
  const auto unknown = run({"ffprobe", "-v", "error", "-rtsp_transport", "tcp", base + "nope"});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.err.find("404"), std::string::npos) << unknown.err;

  // A viewer of door and one of yard play across two reloads: the first adds gate, the second removes yard.
  // door's viewer must not notice either (it decodes its whole span with no error); yard's is ended by the
  // server (its ffmpeg ends on the RTCP BYE, long before its -t).
  const auto door_log = dir.path() / "door-viewer.log", yard_log = dir.path() / "yard-viewer.log";
  Background door_viewer({"ffmpeg", "-nostdin", "-v", "error", "-rtsp_transport", "tcp", "-i", base + "door",
                          "-t", "600", "-f", "null", "-"}, door_log);
  Background yard_viewer({"ffmpeg", "-nostdin", "-v", "error", "-rtsp_transport", "tcp", "-i", base + "yard",
                          "-t", "600", "-f", "null", "-"}, yard_log);
  const auto playing = [&](const std::string& cam, uint64_t clients) {
    const auto c = d.camera(cam);
    return c.contains("rtsp") && c["rtsp"]["clients"] == clients && c["rtsp"]["bytes_sent"].get<uint64_t>() > 0;
  };
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return playing("door", 1) && playing("yard", 1); }, 20s));

  d.rewrite_config(camera("door") + camera("yard", "h265") + camera("gate"), rtsp);
  auto reload = d.post("/api/v1/reload", nlohmann::json::object());
  ASSERT_EQ(reload.status, 200) << reload.body.dump();
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return streaming(d, "gate"); }, 30s));
  expect_served(base + "gate");
  EXPECT_TRUE(door_viewer.running());
  EXPECT_TRUE(yard_viewer.running());

  d.rewrite_config(camera("door") + camera("gate"), rtsp);
  reload = d.post("/api/v1/reload", nlohmann::json::object());
  ASSERT_EQ(reload.status, 200) << reload.body.dump();
  // yard's viewer is ended by the server: a BYE, then ffmpeg's exit (bounded by the event, not by its -t 600).
  EXPECT_NE(yard_viewer.stop(0, 30s), -1000) << "yard's viewer still plays a camera that is no longer served";
  const auto gone = run({"ffprobe", "-v", "error", "-rtsp_transport", "tcp", base + "yard"});
  EXPECT_NE(gone.err.find("404"), std::string::npos) << gone.err;

  const auto door = d.camera("door");
  EXPECT_EQ(door["rtsp"]["clients"], 1) << door.dump();
  EXPECT_TRUE(door_viewer.running()) << read_file(door_log);
  const int door_exit = door_viewer.stop(SIGINT, 20s);  // ffmpeg ends on SIGINT with 255 ("received signal 2")
  EXPECT_TRUE(door_exit == 0 || door_exit == 255) << door_exit << read_file(door_log);
  EXPECT_EQ(read_file(door_log), "") << "door's viewer saw decode errors across the reloads";
  EXPECT_TRUE(ZcrecdProcess::eventually([&] { return playing("door", 0); }, 20s));

  httplib::Client http("127.0.0.1", d.port());
  const auto m = http.Get("/metrics");
  ASSERT_TRUE(m);
  EXPECT_NE(m->body.find("zcrec_camera_rtsp_clients{camera=\"door\"} 0"), std::string::npos) << m->body;
  EXPECT_NE(m->body.find("zcrec_camera_rtsp_bytes_out_total{camera=\"door\"}"), std::string::npos);
  EXPECT_NE(m->body.find("zcrec_camera_rtsp_frames_dropped_total{camera=\"gate\"} 0"), std::string::npos);
}

TEST(ZcrecdRtsp, CredentialsFromTheConfigAreRequiredAndABadListenIsALoadError) {
  TempDir dir;
  const int port = free_local_port();
  const auto pass = dir.path() / "rtsp.pass";
  std::ofstream(pass) << "s3cret-pass\n";
  const std::string rtsp = "rtsp: {listen: 127.0.0.1:" + std::to_string(port) + ", user: viewer, password_file: " +
                           pass.string() + "}\n";
  ZcrecdProcess d(dir.path(), camera("door"), rtsp);
  d.start();
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return streaming(d, "door"); }, 30s));
  const std::string url = "rtsp://127.0.0.1:" + std::to_string(port) + "/door";
  const auto anonymous = run({"ffprobe", "-v", "error", "-rtsp_transport", "tcp", url});
  EXPECT_NE(anonymous.exit_code, 0);
  EXPECT_NE(anonymous.err.find("401"), std::string::npos) << anonymous.err;
  expect_served("rtsp://viewer:s3cret-pass@127.0.0.1:" + std::to_string(port) + "/door");

  const auto bad = dir.path() / "bad.yaml";
  std::ofstream(bad) << "storage: {dir: " << (dir.path() / "s2").string() << "}\nrtsp: {listen: camera.lan:8554}\n"
                     << "cameras:\n" << camera("door");
  const auto r = run({ZCRECD_BIN, "--check-config", bad.string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE((r.out + r.err).find("rtsp.listen"), std::string::npos) << r.out << r.err;
  // Refused at load, not at start (attacker trial): an address that only looks like one, the API's own port, a
  // user name with a newline.
  for (const std::string& block :
       {std::string("rtsp: {listen: 999.1.1.1:8554}"), std::string("api: {listen: 127.0.0.1:8554}\nrtsp: {listen: 0.0.0.0:8554}"),
        "rtsp: {listen: 127.0.0.1:8554, user: \"a\\nb\", password_file: " + pass.string() + "}"}) {
    std::ofstream(bad) << "storage: {dir: " << (dir.path() / "s2").string() << "}\n" << block << "\ncameras:\n" << camera("door");
    const auto e = run({ZCRECD_BIN, "--check-config", bad.string()});
    EXPECT_NE(e.exit_code, 0) << block;
    EXPECT_NE((e.out + e.err).find("rtsp."), std::string::npos) << block << ": " << e.out << e.err;
  }
  std::ofstream(bad) << "storage: {dir: " << (dir.path() / "s2").string() << "}\nrtsp: {listen: \"[::1]:8554\"}\ncameras:\n"
                     << camera("door");
  const auto ok = run({ZCRECD_BIN, "--check-config", bad.string()});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("RTSP on [::1]:8554"), std::string::npos) << ok.out;
}

}  // namespace
}  // namespace zc::test
