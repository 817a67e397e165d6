// HLS for Safari and iPhones (issue 20): live.m3u8 of H.264 + AAC and H.265 cameras, decoded by ffmpeg's HLS
// demuxer with no error, a playlist that follows RFC 8216 for fMP4 (version 7, EXT-X-MAP), segments that each
// start with a keyframe, a window that slides, and clear 404s.
#include "cli/cli_process.h"
#include "zcrecd_process.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <signal.h>

#include <atomic>
#include <cmath>
#include <thread>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace zc::test {
namespace {

using namespace std::chrono_literals;

std::string camera_yaml(const std::string& name, const std::string& codec, bool audio) {
  return "  " + name + ":\n    source: testsrc\n    testsrc: {size: 320x240, fps: 25, gop: 1s, codec: " + codec +
         ", bitrate: 300K, audio: " + (audio ? "true" : "false") + "}\n    ring_size: 8M\n    record: {continuous: false}\n";
}

httplib::Result get(int port, const std::string& path) {
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(30);
  return c.Get(path.c_str());
}

struct Playlist {
  int version = 0, target = 0;
  uint64_t media_sequence = 0;
  std::vector<std::string> maps, segments;
  std::vector<double> durations;
};

Playlist parse(const std::string& text) {
  Playlist p;
  std::istringstream in(text);
  std::string line;
  EXPECT_TRUE(std::getline(in, line) && line == "#EXTM3U") << text;
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_match(line, m, std::regex(R"(#EXT-X-VERSION:(\d+))"))) p.version = std::stoi(m[1]);
    else if (std::regex_match(line, m, std::regex(R"(#EXT-X-TARGETDURATION:(\d+))"))) p.target = std::stoi(m[1]);
    else if (std::regex_match(line, m, std::regex(R"(#EXT-X-MEDIA-SEQUENCE:(\d+))"))) p.media_sequence = std::stoull(m[1]);
    else if (std::regex_match(line, m, std::regex(R"re(#EXT-X-MAP:URI="([^"]+)")re"))) p.maps.push_back(m[1]);
    else if (std::regex_match(line, m, std::regex(R"(#EXTINF:([0-9.]+),)"))) p.durations.push_back(std::stod(m[1]));
    else if (!line.empty() && line[0] != '#') p.segments.push_back(line);
  }
  return p;
}

TEST(Hls, FfmpegDecodesTheLivePlaylistsOfH264WithAacAndH265WithoutAnError) {
  TempDir dir;
  ZcrecdProcess d(dir.path(), camera_yaml("porch", "h264", true) + camera_yaml("shed", "h265", false));
  d.start();
  ASSERT_TRUE(ZcrecdProcess::eventually([&] {
    const auto a = d.camera("porch"), b = d.camera("shed");
    return a.is_object() && b.is_object() && a["ingest_state"] == "streaming" && b["ingest_state"] == "streaming";
  }, 30s));
  const std::string base = "http://127.0.0.1:" + std::to_string(d.port()) + "/api/v1/cameras/";
  using Codecs = std::set<std::string>;
  for (const auto& [camera, streams] : {std::pair{"porch", Codecs{"h264", "aac"}}, std::pair{"shed", Codecs{"hevc"}}}) {
    const auto url = base + camera + "/live.m3u8";
    const auto probe = run({"ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", url});
    EXPECT_EQ(probe.exit_code, 0) << probe.err;
    Codecs seen;  // ffprobe lists the HLS program's streams and then the streams: each twice
    std::istringstream lines(probe.out);
    for (std::string l; std::getline(lines, l);)
      if (!l.empty()) seen.insert(l);
    EXPECT_EQ(seen, streams) << camera;
    const auto decode = run({"ffmpeg", "-v", "error", "-i", url, "-t", "5", "-f", "null", "-"});
    EXPECT_EQ(decode.exit_code, 0) << camera << ": " << decode.err;
    EXPECT_EQ(decode.err, "") << camera;
  }
}

TEST(Hls, ThePlaylistIsFmp4HlsVersion7WhoseSegmentsStartWithAKeyframeAndSlide) {
  TempDir dir;
  ZcrecdProcess d(dir.path(), camera_yaml("gate", "h264", true));
  d.start();
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return d.camera("gate")["ingest_state"] == "streaming"; }, 30s));
  const auto first = get(d.port(), "/api/v1/cameras/gate/live.m3u8");
  ASSERT_TRUE(first && first->status == 200) << (first ? first->body : "no answer");
  EXPECT_EQ(first->get_header_value("Content-Type"), "application/vnd.apple.mpegurl");
  const Playlist p = parse(first->body);
  EXPECT_EQ(p.version, 7);
  ASSERT_EQ(p.maps.size(), 1u) << first->body;
  ASSERT_GE(p.segments.size(), 2u) << first->body;
  ASSERT_EQ(p.durations.size(), p.segments.size());
  for (const double s : p.durations) {
    EXPECT_LE(std::lround(s), p.target) << "RFC 8216 4.3.3.1";
    EXPECT_NEAR(s, 1.0, 0.25) << "one GOP of 1 s";
  }
  EXPECT_NE(first->body.find("#EXT-X-INDEPENDENT-SEGMENTS"), std::string::npos);

  // Initialisation segment + the first media segment: an MP4 that starts with a keyframe and decodes.
  const auto init = get(d.port(), "/api/v1/cameras/gate/" + p.maps[0]);
  const auto seg = get(d.port(), "/api/v1/cameras/gate/" + p.segments[0]);
  ASSERT_TRUE(init && init->status == 200 && seg && seg->status == 200);
  const auto file = dir.path() / "first.mp4";
  std::ofstream(file, std::ios::binary) << init->body << seg->body;
  const auto packets = run({"ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=flags", "-of",
                            "csv=p=0", file.string()});
  ASSERT_EQ(packets.exit_code, 0) << packets.err;
  EXPECT_EQ(packets.out.substr(0, 1), "K") << "the segment's first video packet";
  const auto decode = run({"ffmpeg", "-v", "error", "-i", file.string(), "-f", "null", "-"});
  EXPECT_EQ(decode.exit_code, 0);
  EXPECT_EQ(decode.err, "");

  // The window slides as the camera goes on: bounded by the segment count, not a sleep's length.
  Playlist later;
  ASSERT_TRUE(ZcrecdProcess::eventually([&] {
    const auto r = get(d.port(), "/api/v1/cameras/gate/live.m3u8");
    if (!r || r->status != 200) return false;
    later = parse(r->body);
    return later.media_sequence >= p.media_sequence + 7;
  }, 30s));
  EXPECT_LE(later.segments.size(), 6u);
  EXPECT_EQ(get(d.port(), "/api/v1/cameras/gate/" + p.segments[0])->status, 404) << "slid out of the window";

  EXPECT_EQ(get(d.port(), "/api/v1/cameras/nope/live.m3u8")->status, 404);
  EXPECT_EQ(get(d.port(), "/api/v1/cameras/gate/hls/999999999.m4s")->status, 404);
  // An initialisation segment that never was is not blamed on a track change (attacker trial: it was).
  const auto never = get(d.port(), "/api/v1/cameras/gate/hls/init-999999.mp4");
  ASSERT_TRUE(never);
  EXPECT_EQ(never->status, 404);
  EXPECT_EQ(never->body.find("changed"), std::string::npos) << never->body;
  EXPECT_NE(never->body.find("the playlist names init-" + p.maps[0].substr(p.maps[0].find("init-") + 5)),
            std::string::npos)
      << never->body;
  EXPECT_EQ(get(d.port(), "/api/v1/cameras/gate/live.m3u8?x=1")->status, 400);
}

// The segmenter ends kHlsIdle (30 s) after the last request. It deadlocked there (end() took the mutex its caller
// held): every later request for the camera hung, then every media route, then SIGTERM never finished (found by an
// attacker trial). Now a request after the idle end starts a new segmenter, and the daemon stops cleanly. And a
// camera that sends nothing holds at most two waiting playlist requests; the others get 503 at once.
TEST(Hls, APlaylistAfterTheIdleEndStartsAgainAndAFrozenCameraHoldsAtMostTwoWaiters) {
  TempDir dir;
  ZcrecdProcess d(dir.path(), camera_yaml("gate", "h264", false));
  d.start();
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return d.camera("gate")["ingest_state"] == "streaming"; }, 30s));
  const auto first = get(d.port(), "/api/v1/cameras/gate/live.m3u8");
  ASSERT_TRUE(first && first->status == 200) << (first ? first->body : "no answer");
  std::this_thread::sleep_for(std::chrono::seconds(32));  // the segmenter's own idle bound (kHlsIdle), then 2 s
  const auto again = get(d.port(), "/api/v1/cameras/gate/live.m3u8");
  ASSERT_TRUE(again) << "no answer after the segmenter's idle end";
  EXPECT_EQ(again->status, 200) << again->body;

  // Frozen camera: its ingest stopped, no new segment will come for a new segmenter.
  for (const pid_t p : d.ingest_pids("gate")) ::kill(p, SIGSTOP);
  std::this_thread::sleep_for(std::chrono::seconds(32));  // the running segmenter ends idle
  std::vector<std::thread> waiters;
  std::atomic<int> fast_503{0};
  for (int i = 0; i < 6; ++i)
    waiters.emplace_back([&] {
      const auto t0 = std::chrono::steady_clock::now();
      const auto r = get(d.port(), "/api/v1/cameras/gate/live.m3u8");
      if (r && r->status == 503 && std::chrono::steady_clock::now() - t0 < 5s) ++fast_503;
    });
  for (auto& t : waiters) t.join();
  EXPECT_GE(fast_503.load(), 4) << "beyond two waiters, requests are answered at once";
  for (const pid_t p : d.ingest_pids("gate")) ::kill(p, SIGCONT);
  d.kill(SIGTERM);
  EXPECT_TRUE(d.wait(30s)) << "zcrecd stops";
}

}  // namespace
}  // namespace zc::test
