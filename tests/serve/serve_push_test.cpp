// Streams pushed in (docs/serving.md, "Streams pushed in"): real ffmpeg encoders (libx264/libx265 + AAC) pushing
// with ANNOUNCE/RECORD into `zcrec serve --push RING`, the ring read back by a real reader and by ffmpeg over
// RTSP; a push to an unknown path (404), to a path not open to pushes (405), without credentials (401), a second
// pusher while the first lives (503); a SIGKILLed pusher, then a new one: the ring goes on after a discontinuity
// and a player connected across both keeps playing.
#include "serve/serve_fixture.h"

#include <zc/fifo/error.h>
#include <zc/fifo/ring_reader.h>

#include <gtest/gtest.h>

#include <signal.h>

#include <set>
#include <sstream>
#include <thread>

namespace zc::test {
namespace {

using namespace std::chrono_literals;

struct PushSpec {
  std::string size = "320x240";
  std::string video = "libx264";  // or libx265
  bool audio = true;
  std::vector<std::string> audio_codec{"-c:a", "aac"};
  std::string transport = "tcp";
  bool bframes = true;  // the encoder's default (libx264 veryfast: 3); false: none, as most cameras send
  int seconds = 120;  // pushers are ended by the test (SIGKILL, or at its end)
};

std::vector<std::string> push_argv(const std::string& url, const PushSpec& p) {
  std::vector<std::string> a{kFfmpeg, "-nostdin", "-v", "error", "-re", "-f", "lavfi", "-i",
                             "testsrc=size=" + p.size + ":rate=25"};
  if (p.audio) a.insert(a.end(), {"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"});
  a.insert(a.end(), {"-t", std::to_string(p.seconds), "-c:v", p.video, "-g", "50", "-pix_fmt", "yuv420p"});
  if (p.video == "libx265") a.insert(a.end(), {"-x265-params", "log-level=error"});
  else a.insert(a.end(), {"-preset", "veryfast"});
  if (!p.bframes) a.insert(a.end(), {"-bf", "0"});
  if (p.audio) a.insert(a.end(), p.audio_codec.begin(), p.audio_codec.end());
  a.insert(a.end(), {"-f", "rtsp", "-rtsp_transport", p.transport, url});
  return a;
}

std::unique_ptr<Background> pusher(const std::string& url, const std::filesystem::path& log, const PushSpec& p = {}) {
  return std::make_unique<Background>(push_argv(url, p), log);
}

// A push that must be refused: ffmpeg gives up on the first answer that is not 200.
RunResult refused_push(const std::string& url) {
  PushSpec p;
  p.seconds = 5;
  return run(push_argv(url, p));
}

std::string with_credentials(const std::string& url, const std::string& userinfo) {
  return "rtsp://" + userinfo + "@" + url.substr(std::string("rtsp://").size());
}

// ffmpeg decodes `seconds` of the RTSP stream, each stream in `maps` (e.g. "0:v", "0:a": a missing one is an
// error): exit code and every complaint of its decoders (empty: no error).
RunResult decode_from(const std::string& url, const std::vector<std::string>& maps, int seconds) {
  std::vector<std::string> a{kFfmpeg, "-nostdin", "-v", "error"};
  for (auto& x : ffmpeg_rtsp_input("tcp", url)) a.push_back(x);
  for (const auto& m : maps) a.insert(a.end(), {"-map", m});
  a.insert(a.end(), {"-t", std::to_string(seconds), "-f", "null", "-"});
  return run(a);
}

// The video frames of `ring` from its newest keyframe on, `count` of them (bounded by a minute).
std::vector<fifo::FrameHeader> video_frames(const std::string& ring, size_t count) {
  fifo::ReaderOptions ro;
  ro.start = fifo::StartAt::newest_keyframe;
  auto reader = fifo::RingReader::open(ring, ro);
  std::vector<fifo::FrameHeader> out;
  fifo::Frame f;
  const auto limit = std::chrono::steady_clock::now() + 60s;
  while (out.size() < count && std::chrono::steady_clock::now() < limit)
    if (reader.read(f, 1s) == fifo::WaitStatus::ready && f.header.track == 0) out.push_back(f.header);
  return out;
}

TEST(ServePush, AnH264AndAacPushIsWrittenIntoTheRingAndPlaysBackDecodable) {
  TempDir dir;
  ScopedStream ring("push264");
  ServeProcess serve({"--push", ring.name()}, {});
  auto push = pusher(serve.url(ring.name()), dir / "push.log");
  const auto started = serve.wait_for("pushing", 120s);
  ASSERT_TRUE(started) << serve.transcript() << read_file(dir / "push.log");
  EXPECT_NE(started->find("h264 320x240"), std::string::npos) << *started;
  EXPECT_NE(started->find("aac 48000 Hz"), std::string::npos) << *started;

  // The ring's own description, from the SDP: the parameter sets and the AudioSpecificConfig.
  const auto st = fifo::RingReader::inspect(ring.name());
  ASSERT_EQ(st.info.tracks.size(), 2u);
  EXPECT_EQ(st.info.tracks[0].codec, fifo::Codec::h264);
  EXPECT_EQ(st.info.tracks[0].width, 320u);
  EXPECT_FALSE(st.info.tracks[0].config.empty());
  EXPECT_EQ(st.info.tracks[1].codec, fifo::Codec::aac);
  EXPECT_FALSE(st.info.tracks[1].config.empty());
  ASSERT_TRUE(st.source);
  EXPECT_EQ(st.source->state, fifo::SourceState::streaming);

  // B-frames (libx264's default): RTP carries presentation times only; the ring's dts are made up from their
  // order (DtsFromPts, as for a camera), never after the pts and a frame step apart, from the push's first frame
  // on (an MP4 muxer refuses pts < dts: the recorder failed on every push before the start-up hold of
  // push_session.cpp).
  const auto frames = video_frames(ring.name(), 60);
  ASSERT_EQ(frames.size(), 60u);
  EXPECT_TRUE(frames.front().is_key());
  bool reordered = false;
  for (size_t i = 0; i < frames.size(); ++i) {
    EXPECT_LE(frames[i].dts, frames[i].pts) << i;
    // A frame step apart at least (3600 at 25 fps): one tick apart, the first B-frames made decoders stumble.
    if (i > 0) {
      EXPECT_GE(frames[i].dts - frames[i - 1].dts, 3600 - 1) << i;
    }
    if (i > 0 && frames[i].pts < frames[i - 1].pts) reordered = true;
  }
  EXPECT_TRUE(reordered) << "the encoder sent no B-frames: the test does not test what it says";

  // Read back as any player reads the ring: over RTSP from the same server, video and audio decoded with no error.
  const auto r = decode_from(serve.url(ring.name()), {"0:v", "0:a"}, 4);
  EXPECT_EQ(r.exit_code, 0) << r.err << serve.transcript();
  EXPECT_EQ(r.err, "") << "decoding errors";
}

TEST(ServePush, AnH265PushOverUdpIsWrittenWithItsParameterSets) {
  TempDir dir;
  ScopedStream ring("push265");
  ServeProcess serve({"--push", ring.name()}, {});
  PushSpec p;
  p.video = "libx265";
  p.audio = false;
  p.transport = "udp";
  auto push = pusher(serve.url(ring.name()), dir / "push.log", p);
  const auto started = serve.wait_for("pushing", 120s);
  ASSERT_TRUE(started) << serve.transcript() << read_file(dir / "push.log");
  EXPECT_NE(started->find("h265 320x240"), std::string::npos) << *started;
  const auto st = fifo::RingReader::inspect(ring.name());
  ASSERT_EQ(st.info.tracks.size(), 1u);
  EXPECT_EQ(st.info.tracks[0].codec, fifo::Codec::h265);
  EXPECT_FALSE(st.info.tracks[0].config.empty());  // VPS, SPS, PPS from sprop-vps/sps/pps

  const auto r = decode_from(serve.url(ring.name()), {"0:v"}, 3);
  EXPECT_EQ(r.exit_code, 0) << r.err << serve.transcript();
  EXPECT_EQ(r.err, "") << "decoding errors";
}

TEST(ServePush, G711AudioIsCarriedAsPcmaAndPcmu) {
  for (const std::string codec : {"pcm_alaw", "pcm_mulaw"}) {
    SCOPED_TRACE(codec);
    TempDir dir;
    ScopedStream ring("push711");
    ServeProcess serve({"--push", ring.name()}, {});
    PushSpec p;
    p.bframes = false;
    p.audio_codec = {"-c:a", codec, "-ar", "8000", "-ac", "1"};
    auto push = pusher(serve.url(ring.name()), dir / "push.log", p);
    const auto started = serve.wait_for("pushing", 120s);
    ASSERT_TRUE(started) << serve.transcript() << read_file(dir / "push.log");
    EXPECT_NE(started->find(codec + " 8000 Hz"), std::string::npos) << *started;
    const auto st = fifo::RingReader::inspect(ring.name());
    ASSERT_EQ(st.info.tracks.size(), 2u);
    EXPECT_EQ(st.info.tracks[1].sample_rate, 8000u);
    EXPECT_EQ(st.info.tracks[1].channels, 1u);
    const auto r = decode_from(serve.url(ring.name()), {"0:v", "0:a"}, 3);
    EXPECT_EQ(r.exit_code, 0) << r.err << serve.transcript();
    EXPECT_EQ(r.err, "") << "decoding errors";
  }
}

TEST(ServePush, AnUnknownPathIs404APlayOnlyPathIs405AndMissingCredentialsAre401) {
  TempDir dir;
  ScopedStream pushed("pushauth"), played("playonly");
  const std::string password = "pu5h-Secret";
  ServeProcess serve({"--user", "cam", "--push", pushed.name()}, {played.name()},
                     {{"ZCREC_RTSP_PASSWORD", password}});
  const auto base = serve.url(pushed.name());
  const auto credentials = "cam:" + password;

  const auto unknown = refused_push(with_credentials(serve.url("nosuchpath"), credentials));
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.err.find("404"), std::string::npos) << unknown.err;

  const auto play_only = refused_push(with_credentials(serve.url(played.name()), credentials));
  EXPECT_NE(play_only.exit_code, 0);
  EXPECT_NE(play_only.err.find("405"), std::string::npos) << play_only.err;
  EXPECT_TRUE(serve.wait_for("a push: the path is not open to pushes", 10s)) << serve.transcript();

  const auto anonymous = refused_push(base);
  EXPECT_NE(anonymous.exit_code, 0);
  EXPECT_NE(anonymous.err.find("401"), std::string::npos) << anonymous.err;
  const auto wrong = refused_push(with_credentials(base, "cam:wrong"));
  EXPECT_NE(wrong.exit_code, 0);
  EXPECT_NE(wrong.err.find("401"), std::string::npos) << wrong.err;
  EXPECT_FALSE(serve.wait_for("pushing", 0ms)) << serve.transcript();

  // With the credentials the same push is written.
  auto push = pusher(with_credentials(base, credentials), dir / "push.log");
  ASSERT_TRUE(serve.wait_for("pushing", 120s)) << serve.transcript() << read_file(dir / "push.log");
  EXPECT_EQ(serve.transcript().find(password), std::string::npos) << "the password was printed";
}

TEST(ServePush, ASecondPusherIsRefusedWith503WhileTheFirstLives) {
  TempDir dir;
  ScopedStream ring("pushbusy");
  ServeProcess serve({"--push", ring.name()}, {});
  auto first = pusher(serve.url(ring.name()), dir / "first.log");
  ASSERT_TRUE(serve.wait_for("pushing", 120s)) << serve.transcript() << read_file(dir / "first.log");

  const auto second = refused_push(serve.url(ring.name()));
  EXPECT_NE(second.exit_code, 0);
  EXPECT_NE(second.err.find("503"), std::string::npos) << second.err;
  EXPECT_TRUE(serve.wait_for("a push: another pusher is live on it", 10s)) << serve.transcript();

  // The first goes on writing: the ring grows after the refusal.
  const uint64_t before = fifo::RingReader::inspect(ring.name()).frames_written;
  const auto limit = std::chrono::steady_clock::now() + 60s;
  while (fifo::RingReader::inspect(ring.name()).frames_written < before + 50 && std::chrono::steady_clock::now() < limit)
    std::this_thread::sleep_for(50ms);
  EXPECT_GE(fifo::RingReader::inspect(ring.name()).frames_written, before + 50);
  EXPECT_TRUE(first->running());
  EXPECT_FALSE(serve.wait_for("left", 0ms)) << serve.transcript();
}

// A pusher that sent TEARDOWN and stays connected must not hold the mount: the push ends with its media, not with
// its connection.
TEST(ServePush, APusherThatTearsDownAndStaysConnectedFreesThePathAtOnce) {
  TempDir dir;
  ScopedStream ring("pushtear");
  ServeProcess serve({"--push", ring.name()}, {});
  auto lingering = ChildProcess::spawn({"/usr/bin/python3", ZC_RTSP_PUSH_TEARDOWN_SCRIPT, serve.url(ring.name())});
  std::vector<std::string> said;
  for (auto line = lingering.read_line(30s); line && *line != "holding"; line = lingering.read_line(30s))
    said.push_back(*line);
  ASSERT_EQ(said.size(), 4u) << serve.transcript();
  for (const auto& l : said) EXPECT_NE(l.find("200 OK"), std::string::npos) << l;
  ASSERT_TRUE(serve.wait_for("left", 30s)) << serve.transcript();

  auto push = pusher(serve.url(ring.name()), dir / "push.log");
  ASSERT_TRUE(serve.wait_for("pushing", 120s)) << serve.transcript() << read_file(dir / "push.log");
  EXPECT_TRUE(lingering.running());
  EXPECT_FALSE(serve.wait_for("refused", 0ms)) << serve.transcript();
}

// One lost RTP packet in a push aborted the whole server (and zcrecd with it): gst-rtsp-server's ULP FEC decoder on
// every RECORD stream asserts on the jitter buffer's loss event when it has no SSRC from caps, which a push never
// gives it (ring_media_factory.cpp drops those events). The server must outlive such a pusher and take the next.
TEST(ServePush, APushThatLosesAPacketDoesNotEndTheServer) {
  TempDir dir;
  ScopedStream ring("pushloss");
  ServeProcess serve({"--push", ring.name()}, {});
  auto lossy = ChildProcess::spawn({"/usr/bin/python3", ZC_RTSP_PUSH_TEARDOWN_SCRIPT, serve.url(ring.name()), "--lose-one"});
  std::vector<std::string> said;
  for (auto line = lossy.read_line(30s); line && *line != "holding"; line = lossy.read_line(30s)) said.push_back(*line);
  ASSERT_EQ(said.size(), 5u) << serve.transcript();  // ANNOUNCE, SETUP, RECORD, sent, TEARDOWN
  EXPECT_EQ(said[3], "sent");
  EXPECT_NE(said[4].find("200 OK"), std::string::npos) << said[4] << "\n" << serve.transcript();
  ASSERT_TRUE(serve.wait_for("left", 30s)) << serve.transcript();
  EXPECT_TRUE(serve.process().running()) << serve.transcript();

  auto push = pusher(serve.url(ring.name()), dir / "push.log");
  ASSERT_TRUE(serve.wait_for("pushing", 120s)) << serve.transcript() << read_file(dir / "push.log");
}

TEST(ServePush, AKilledPusherIsADiscontinuityAndTheNextPusherContinuesTheRingForItsReaders) {
  TempDir dir;
  ScopedStream ring("pushkill");
  ServeProcess serve({"--push", ring.name()}, {});
  // Without B-frames, so that ffmpeg's stream copy (the player below) has its dts.
  PushSpec p;
  p.bframes = false;
  auto first = pusher(serve.url(ring.name()), dir / "first.log", p);
  ASSERT_TRUE(serve.wait_for("pushing", 120s)) << serve.transcript() << read_file(dir / "first.log");

  // A reader of the ring (what the recorder is) and an RTSP player, both there before the pusher dies.
  fifo::ReaderOptions ro;
  ro.start = fifo::StartAt::newest_keyframe;
  auto reader = fifo::RingReader::open(ring.name(), ro);
  std::vector<std::string> player_argv{kFfmpeg, "-nostdin", "-v", "error"};
  for (auto& x : ffmpeg_rtsp_input("tcp", serve.url(ring.name()))) player_argv.push_back(x);
  const auto played = dir / "played.ts";
  player_argv.insert(player_argv.end(), {"-map", "0:v", "-c", "copy", "-f", "mpegts", "-y", played.string()});
  Background player(player_argv, dir / "player.log");
  ASSERT_TRUE(serve.wait_for("starts at keyframe", 60s)) << serve.transcript();

  first->stop(SIGKILL, 30s);
  const auto left = serve.wait_for("pusher 1 ", 60s);  // its connection closes: gst-rtsp-server ends the media
  ASSERT_TRUE(left) << serve.transcript();
  EXPECT_NE(left->find("left"), std::string::npos) << *left;

  // The next pusher sends another picture size, so that what the player shows afterwards is told apart.
  p.size = "160x120";
  auto second = pusher(serve.url(ring.name()), dir / "second.log", p);
  const auto again = serve.wait_for("pushing", 120s);
  ASSERT_TRUE(again) << serve.transcript() << read_file(dir / "second.log");
  EXPECT_NE(again->find("160x120"), std::string::npos) << *again;

  // The reader sees the first push, then a discontinuity, then the second push on a timeline that goes on.
  fifo::Frame f;
  bool discontinuity = false;
  int64_t last_video_dts = -1;
  int after = 0;
  const auto limit = std::chrono::steady_clock::now() + 60s;
  while (after < 50 && std::chrono::steady_clock::now() < limit) {
    const auto w = reader.read(f, 1s);
    ASSERT_NE(w, fifo::WaitStatus::writer_gone);
    if (w != fifo::WaitStatus::ready) continue;
    if (f.header.track != 0) continue;
    if (f.header.flags & fifo::frame_flag::discontinuity) {
      discontinuity = true;
      EXPECT_TRUE(f.header.is_key());
      EXPECT_GT(f.header.dts, last_video_dts) << "the second push's timeline must continue the first's";
    }
    if (discontinuity) ++after;
    last_video_dts = f.header.dts;
  }
  EXPECT_TRUE(discontinuity);
  EXPECT_GE(after, 50);

  // The player got pictures of both pushes without ending: its session was never cut. Its file is looked at
  // as it grows until the second push's picture size is in it.
  const auto widths_played = [&] {
    const auto r = run({kFfprobe, "-v", "quiet", "-show_entries", "frame=width", "-of", "csv=p=0", played.string()});
    std::set<std::string> widths;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) widths.insert(line);
    return widths;
  };
  const auto limit2 = std::chrono::steady_clock::now() + 90s;
  while (widths_played().count("160") == 0 && std::chrono::steady_clock::now() < limit2)
    std::this_thread::sleep_for(500ms);
  EXPECT_TRUE(player.running()) << read_file(dir / "player.log");
  player.stop(SIGINT, 30s);
  const auto widths = widths_played();
  EXPECT_TRUE(widths.count("320") && widths.count("160")) << read_file(dir / "player.log");
  EXPECT_FALSE(serve.wait_for("ended:", 0ms)) << serve.transcript();
  // No error storm: a line per event.
  EXPECT_LE(serve.lines().size(), 10u) << serve.transcript();
}

}  // namespace
}  // namespace zc::test
