// live.mp4 (issue 12): the camera's ring as fragmented MP4 over HTTP, read by a real client and decoded by ffmpeg.
#include "media_fixtures.h"
#include "zcrecd_process.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <fstream>
#include <thread>

namespace zc::test {
namespace {

using namespace std::chrono_literals;

std::string camera_yaml(const std::string& name, const std::string& bitrate) {
  return "  " + name + ":\n    source: testsrc\n    testsrc: {size: 320x240, fps: 25, gop: 1s, bitrate: " + bitrate +
         "}\n    ring_size: 16M\n    record: {continuous: false}\n";
}

bool streaming(ZcrecdProcess& d, const std::string& cam, double history_s) {
  const auto c = d.camera(cam);
  return c.is_object() && c["ingest_state"] == "streaming" && c["ring_history_s"].get<double>() >= history_s;
}

// A client that leaves mid-stream leaves mid-fragment: the bytes up to the end of the last complete top-level
// box (the last whole moof+mdat) are what it can play.
size_t complete_boxes(const std::string& bytes) {
  size_t pos = 0, playable = 0;  // a moof whose mdat did not arrive whole is not playable
  for (;;) {
    if (bytes.size() - pos < 8) return playable;
    uint64_t size = 0;
    for (int i = 0; i < 4; ++i) size = (size << 8) | static_cast<uint8_t>(bytes[pos + i]);
    if (size == 1) {
      if (bytes.size() - pos < 16) return playable;
      size = 0;
      for (int i = 8; i < 16; ++i) size = (size << 8) | static_cast<uint8_t>(bytes[pos + i]);
    }
    if (size < 8 || size > bytes.size() - pos) return playable;
    const std::string type = bytes.substr(pos + 4, 4);
    pos += size;
    if (type != "moof") playable = pos;
  }
}

// Reads `path` for `duration`; its complete boxes go into `out`.
struct LiveRead {
  int status = 0;
  std::string content_type;
  size_t bytes = 0;
};
LiveRead read_live(int port, const std::string& path, std::chrono::milliseconds duration, const std::filesystem::path& out) {
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(10);
  std::string body;
  LiveRead r;
  const auto until = std::chrono::steady_clock::now() + duration;
  auto res = c.Get(
      path.c_str(),
      [&](const httplib::Response& response) {
        r.status = response.status;
        r.content_type = response.get_header_value("Content-Type");
        return true;
      },
      [&](const char* data, size_t n) {
        body.append(data, n);
        r.bytes += n;
        return std::chrono::steady_clock::now() < until;  // false: the client leaves
      });
  (void)res;  // canceled on purpose
  std::ofstream(out, std::ios::binary).write(body.data(), static_cast<std::streamsize>(complete_boxes(body)));
  return r;
}

TEST(LiveView, FiveSecondsOfLiveMp4DecodeWithoutErrorsAndStartOnAKeyframe) {
  TempDir dir;
  ZcrecdProcess d(dir.path(), camera_yaml("gate", "500K"));
  d.log_to(dir / "zcrecd.log");
  d.start();
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return streaming(d, "gate", 2); }, 30s)) << d.camera("gate").dump();

  const auto r = read_live(d.port(), "/api/v1/cameras/gate/live.mp4", 5s, dir / "live.mp4");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "video/mp4");
  EXPECT_GT(r.bytes, 10'000u);

  // ffmpeg decodes every frame of it with no error at all (-xerror: the first error fails the run).
  const auto dec = run({"ffmpeg", "-v", "error", "-xerror", "-i", (dir / "live.mp4").string(), "-f", "null", "-"});
  EXPECT_EQ(dec.exit_code, 0) << dec.err;
  EXPECT_EQ(dec.err, "");
  // Starting at the newest keyframe: the first frame is a keyframe, and about 5 s of 25 fps arrived (the stream
  // starts up to one GOP in the past; the last fragment may still be in flight when the client leaves).
  const auto frames = run({"ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=flags",
                           "-of", "csv=p=0", (dir / "live.mp4").string()});
  ASSERT_EQ(frames.exit_code, 0) << frames.err;
  std::vector<std::string> flags;
  for (size_t pos = 0; pos < frames.out.size();) {
    const size_t nl = frames.out.find('\n', pos);
    flags.push_back(frames.out.substr(pos, nl - pos));
    pos = nl == std::string::npos ? frames.out.size() : nl + 1;
  }
  ASSERT_FALSE(flags.empty());
  EXPECT_EQ(flags.front().substr(0, 1), "K");
  EXPECT_GE(flags.size(), 100u);  // 5 s at 25 fps = 125
  EXPECT_LE(flags.size(), 175u);  // + one GOP before + slack

  // Unknown camera: 404; and a second viewer while one watches still works.
  EXPECT_EQ(d.get("/api/v1/cameras/nope/live.mp4").status, 404);
  const auto info = d.get("/api/v1/cameras/gate/stream");
  ASSERT_EQ(info.status, 200) << info.body.dump();
  EXPECT_EQ(info.body["codec"], "h264");
  EXPECT_EQ(info.body["codecs"].get<std::string>().substr(0, 5), "avc1.");
}

}  // namespace
}  // namespace zc::test
