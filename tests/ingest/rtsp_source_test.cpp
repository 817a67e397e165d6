// The native RTSP client against the real gst-rtsp-server camera (tests/cli/rtsp_camera.py), judged by
// libavformat: both read the same shared live stream at the same time through media::LiveSource (what
// `zcrec feed` reads), and from the first keyframe both saw, every access unit must be equal byte for byte (H.265:
// NAL unit for NAL unit, see same()), the stream info (parameter sets, picture size, audio config) too. Parameter sets stay where the camera put them
// (in band before keyframes, or only in the SDP), exactly as libavformat hands them out.
#include "cli/rtsp_camera.h"

#include <zc/ingest/error.h>
#include <zc/ingest/rtsp_source.h>
#include <zc/media/annexb.h>
#include <zc/media/live_source.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <thread>

namespace zc::test {
namespace {

using namespace std::chrono_literals;

const fifo::SystemClock host_clock;  // stateless: the host's clocks, what a real camera's stream is timed on

struct Collected {
  fifo::StreamInfo info;
  std::vector<media::MediaPacket> packets;
  std::string error;
  uint64_t packets_lost = 0;  // RTP packets the client saw missing (UDP on a busy machine can drop some)
};

// Reads `video_frames` video access units (and the audio in between) through LiveSource.
Collected collect(const std::string& url, bool native, const std::string& transport, int video_frames) {
  Collected c;
  media::SourceOptions o;
  o.format_options["rtsp_transport"] = transport;
  media::ReconnectPolicy policy;
  policy.once = true;
  media::LiveSource source(url, o, policy, {}, host_clock,
                           native ? ingest::make_connection_factory() : media::ConnectionFactory{});
  try {
    int video = 0;
    media::MediaPacket p;
    while (video < video_frames && source.read(p)) {
      const fifo::TrackInfo* t = source.stream_info().find(p.track);
      if (t != nullptr && t->kind == fifo::MediaKind::video) ++video;
      c.packets.push_back(p);
    }
    c.info = source.stream_info();
    c.packets_lost = source.status().packets_lost;
  } catch (const std::exception& e) {
    c.error = e.what();
  }
  return c;
}

std::vector<const media::MediaPacket*> of_track(const Collected& c, uint32_t track) {
  std::vector<const media::MediaPacket*> out;
  for (const auto& p : c.packets)
    if (p.track == track) out.push_back(&p);
  return out;
}

// libavformat's H.265 parser cuts access units at the 00 00 01 of a 4-byte start code: its access units begin
// with a 3-byte start code and end in the zero byte of the next one's. The native client writes 4-byte start
// codes throughout (as both do for H.264), so H.265 access units are compared NAL unit by NAL unit: the same
// NAL units, byte for byte, in the same order.
bool same(const media::MediaPacket& a, const media::MediaPacket& b, fifo::Codec codec) {
  if (codec != fifo::Codec::h265) return a.data == b.data;
  const auto x = media::annexb::split(a.data), y = media::annexb::split(b.data);
  return x.size() == y.size() &&
         std::equal(x.begin(), x.end(), y.begin(), [](auto p, auto q) { return std::ranges::equal(p, q); });
}

// The first access unit of n[from...] (a keyframe when `from_keyframe`) that l[...] also has.
bool align(const std::vector<const media::MediaPacket*>& n, const std::vector<const media::MediaPacket*>& l,
           fifo::Codec codec, bool from_keyframe, size_t& in, size_t& il);

// From the first access unit of `a` that `b` also has, the two sequences must be equal for at least `min_equal`.
// Only a loss one of the clients counted (RTP over UDP on a loaded machine) may break the run: both then go on
// from the next access unit in common.
void expect_same_access_units(const Collected& native, const Collected& libav, uint32_t track, size_t min_equal,
                              bool from_keyframe) {
  const auto n = of_track(native, track), l = of_track(libav, track);
  const fifo::Codec codec = native.info.find(track)->codec;
  size_t in = 0, il = 0;
  const bool found = align(n, l, codec, from_keyframe, in, il);
  ASSERT_TRUE(found) << "no access unit of track " << track << " in common (" << n.size() << " native, " << l.size()
                     << " libavformat)";
  size_t equal = 0;
  for (; in < n.size() && il < l.size(); ++in, ++il) {
    if (!same(*n[in], *l[il], codec) && native.packets_lost + libav.packets_lost > 0) {
      ++in;
      if (!align(n, l, codec, from_keyframe, in, il)) break;
    }
    if (codec != fifo::Codec::h265) {
      ASSERT_EQ(n[in]->data.size(), l[il]->data.size()) << "access unit " << equal << " after the first in common";
    }
    ASSERT_TRUE(same(*n[in], *l[il], codec)) << "access unit " << equal << " after the first in common";
    EXPECT_EQ(n[in]->keyframe, l[il]->keyframe) << equal;
    ++equal;
  }
  EXPECT_GE(equal, min_equal) << native.packets_lost << " + " << libav.packets_lost << " RTP packets lost";
}

bool align(const std::vector<const media::MediaPacket*>& n, const std::vector<const media::MediaPacket*>& l,
           fifo::Codec codec, bool from_keyframe, size_t& in, size_t& il) {
  bool found = false;
  for (; in < n.size() && !found; ++in) {
    if (from_keyframe && !n[in]->keyframe) continue;
    for (il = 0; il < l.size(); ++il)
      if (same(*l[il], *n[in], codec)) {
        found = true;
        break;
      }
    if (found) break;
  }
  return found;
}

struct Case {
  const char* name;
  std::string codec = "h264";
  int bframes = 0;
  bool audio = false;
  std::string transport = "tcp";
  int config_interval = -1;
};

class NativeRtsp : public ::testing::TestWithParam<Case> {};

TEST_P(NativeRtsp, AccessUnitsEqualLibavformatsByteForByte) {
  const Case& k = GetParam();
  RtspCameraOptions co;
  co.codec = k.codec;
  co.bframes = k.bframes;
  co.audio = k.audio;
  co.config_interval = k.config_interval;
  co.protocols = k.transport;
  std::unique_ptr<RtspCamera> camera;
  constexpr int kFrames = 90;  // 3.6 s at 25 fps: at least two keyframes (1 s GOP) seen by both
  Collected native, libav;
  // Both clients read the same camera at once, so that they see the same frames. The reference (libavformat) has
  // failed its UDP SETUP now and then with "Operation not permitted" while the suite ran other RTSP tests beside
  // it; then the pair runs again, once. And the camera itself (gst-rtsp-server 1.22) aborts now and then when two
  // clients set up its shared media at once ("gst_rtsp_media_get_rates: assertion failed", seen in a CI run):
  // then the pair runs again with a new camera. The native client's own failure is never retried away.
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (!camera || camera->exited()) camera = std::make_unique<RtspCamera>(co);
    std::thread t([&] { libav = collect(camera->url(), false, k.transport, kFrames); });
    native = collect(camera->url(), true, k.transport, kFrames);
    t.join();
    // A failed client waits for the camera's exit: its abort closes the connection before the process is reaped.
    const bool failed = !native.error.empty() || !libav.error.empty();
    if (camera->exited(failed ? std::chrono::seconds(5) : std::chrono::seconds(0))) {
      std::fprintf(stderr, "the test camera died under the pair; running it again with a new camera\n");
      continue;
    }
    ASSERT_EQ(native.error, "");
    if (libav.error.empty()) break;
    std::fprintf(stderr, "the libavformat reference failed (%s); running the pair again\n", libav.error.c_str());
  }
  ASSERT_EQ(native.error, "");
  ASSERT_EQ(libav.error, "");
  ASSERT_EQ(native.info.tracks.size(), libav.info.tracks.size());
  for (size_t i = 0; i < native.info.tracks.size(); ++i) {
    const auto& a = native.info.tracks[i];
    const auto& b = libav.info.tracks[i];
    EXPECT_EQ(a.codec, b.codec);
    EXPECT_EQ(a.time_base, b.time_base);
    EXPECT_EQ(a.config, b.config) << "track " << i;
    EXPECT_EQ(a.width, b.width);
    EXPECT_EQ(a.height, b.height);
    EXPECT_EQ(a.sample_rate, b.sample_rate);
    EXPECT_EQ(a.channels, b.channels);
    const bool video = a.kind == fifo::MediaKind::video;
    expect_same_access_units(native, libav, a.track_id, video ? 40 : 40, video);
  }
  // Decoding order: dts strictly increase, and the presentation order holds B-frames after their references.
  int64_t last_dts = INT64_MIN;
  bool reordered = false;
  int64_t max_pts = INT64_MIN;
  for (const auto* p : of_track(native, 0)) {
    EXPECT_GT(p->dts, last_dts);
    last_dts = p->dts;
    if (p->pts < max_pts) reordered = true;
    max_pts = std::max(max_pts, p->pts);
  }
  EXPECT_EQ(reordered, k.bframes > 0);
}

INSTANTIATE_TEST_SUITE_P(
    Cameras, NativeRtsp,
    ::testing::Values(Case{.name = "H264Tcp"}, Case{.name = "H264BFramesTcp", .bframes = 2},
                      Case{.name = "H264SdpOnlyParameterSetsTcp", .config_interval = 0},
                      Case{.name = "H265Tcp", .codec = "h265"},
                      Case{.name = "H264AacTcp", .audio = true},
                      Case{.name = "H264AacUdp", .audio = true, .transport = "udp"},
                      Case{.name = "H265Udp", .codec = "h265", .transport = "udp"}),
    [](const ::testing::TestParamInfo<Case>& i) { return std::string(i.param.name); });

ingest::RtspSourceOptions quick() {
  ingest::RtspSourceOptions o;
  o.clock = &host_clock;
  o.timeout = 10s;
  return o;
}

TEST(NativeRtspAuth, DigestCredentialsAreAccepted) {
  RtspCameraOptions co;
  co.user = "admin";
  co.password = "s3cret";
  co.auth = "digest";
  RtspCamera camera(co);
  ingest::RtspSource source("rtsp://admin:s3cret@" + camera.url().substr(7), quick());
  media::MediaPacket p;
  ASSERT_TRUE(source.read(p));
  EXPECT_EQ(source.stream_info().tracks.at(0).codec, fifo::Codec::h264);
}

TEST(NativeRtspAuth, BasicCredentialsAreAccepted) {
  RtspCameraOptions co;
  co.user = "admin";
  co.password = "s3cret";
  RtspCamera camera(co);
  ingest::RtspSource source("rtsp://admin:s3cret@" + camera.url().substr(7), quick());
  media::MediaPacket p;
  ASSERT_TRUE(source.read(p));
}

TEST(NativeRtspAuth, WrongPasswordIsAuthFailed) {
  RtspCameraOptions co;
  co.user = "admin";
  co.password = "s3cret";
  co.auth = "digest";
  RtspCamera camera(co);
  try {
    ingest::RtspSource source("rtsp://admin:wrong@" + camera.url().substr(7), quick());
    FAIL() << "connected with a wrong password";
  } catch (const ingest::IngestError& e) {
    EXPECT_EQ(e.code(), ingest::IngestErrc::auth_failed) << e.what();
    EXPECT_EQ(std::string(e.what()).find("wrong"), std::string::npos);
  }
}

TEST(NativeRtspErrors, RefusedConnectionIsConnectFailed) {
  try {
    ingest::RtspSource source("rtsp://127.0.0.1:" + std::to_string(free_local_port()) + "/stream", quick());
    FAIL();
  } catch (const ingest::IngestError& e) {
    EXPECT_EQ(e.code(), ingest::IngestErrc::connect_failed) << e.what();
  }
}

TEST(NativeRtspErrors, UnknownPathIsAnRtspStatus) {
  RtspCamera camera({});
  try {
    ingest::RtspSource source(camera.url() + "-nothing-here", quick());
    FAIL();
  } catch (const ingest::IngestError& e) {
    EXPECT_EQ(e.code(), ingest::IngestErrc::rtsp_status) << e.what();
  }
}

TEST(NativeRtspErrors, InterruptStopsAWaitAtOnce) {
  RtspCamera camera({});
  std::atomic<bool> stop = false;
  auto o = quick();
  o.interrupt = [&] { return stop.load(); };
  ingest::RtspSource source(camera.url(), o);
  media::MediaPacket p;
  ASSERT_TRUE(source.read(p));
  stop = true;
  EXPECT_THROW(
      {
        for (;;) source.read(p);
      },
      ingest::IngestError);
}

}  // namespace
}  // namespace zc::test
