// The synthetic camera: a paced `zcrec feed testsrc` behaves as a live writer (readers see decodable video,
// stat sees it alive, a second writer is refused, SIGTERM ends it cleanly), and its H.265 Main10 and AAC
// variants produce what players read.
#include "cli/media_fixtures.h"
#include "support/test_support.h"

#include <zc/fifo/ring_reader.h>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

namespace zc::test {
namespace {

using namespace std::chrono_literals;

TEST(FeedTestsrc, LiveWriterServesReadersAndStopsOnSigterm) {
  TempDir dir;
  ScopedStream stream("live");
  Background feed({kZcrec, "feed", "testsrc", "--stream", stream.name(), "--size", "320x240", "--bframes", "2",
                   "--gop", "1s"},
                  dir / "feed.log");

  const auto video = dir / "live.h264";
  const auto cat = zcrec({"cat", stream.name(), "--wait", "20s", "--start", "now", "--frames", "45"}, video);
  ASSERT_EQ(cat.exit_code, 0) << cat.err << read_file(dir / "feed.log");
  EXPECT_EQ(probe_stream(video, "codec_name,width,height,nb_read_frames", "h264"),
            "codec_name=h264\nwidth=320\nheight=240\nnb_read_frames=45\n");

  const auto stat = zcrec({"stat", stream.name(), "--json", "--interval", "300ms"});
  ASSERT_EQ(stat.exit_code, 0) << stat.err;
  const auto j = nlohmann::json::parse(stat.out);
  EXPECT_TRUE(j["writer"]["alive"].get<bool>());
  EXPECT_EQ(j["writer"]["pid"].get<int>(), feed.pid());
  EXPECT_GT(j["write_rate"]["frames_per_s"].get<double>(), 0.0);
  EXPECT_GT(j["write_rate"]["bits_per_s"].get<double>(), 0.0);

  const auto second = zcrec({"feed", "testsrc", "--stream", stream.name(), "--size", "160x120", "--frames", "5"});
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_NE(second.err.find("writer"), std::string::npos) << second.err;

  EXPECT_EQ(feed.stop(SIGTERM, 5s), 0) << read_file(dir / "feed.log");
  const auto after = zcrec({"stat", stream.name(), "--json"});
  ASSERT_EQ(after.exit_code, 0) << after.err;
  EXPECT_FALSE(nlohmann::json::parse(after.out)["writer"]["alive"].get<bool>());
}

// Every duration and bit rate of `feed` is read by zc::units, as `start --preroll 1d` and zcrecd's configuration
// are: `--duration 1d` was a usage error ("1d" was not one of feed's units), `--duration 0.02min` too.
TEST(FeedTestsrc, DurationsAndBitRatesTakeTheUnitsOfEveryOtherOption) {
  ScopedStream stream("units");
  const auto day = zcrec({"feed", "testsrc", "--stream", stream.name(), "--size", "160x120", "--duration", "1d",
                          "--frames", "5", "--max-rate"});
  ASSERT_EQ(day.exit_code, 0) << day.err;
  EXPECT_NE(day.err.find("wrote 5 frames"), std::string::npos) << day.err;
  // 0.02 min of media at 10 fps: the frames at 0.0 .. 1.1 s.
  const auto minutes = zcrec({"feed", "testsrc", "--stream", stream.name(), "--size", "160x120", "--fps", "10",
                              "--duration", "0.02min", "--bitrate", "300k", "--max-rate"});
  ASSERT_EQ(minutes.exit_code, 0) << minutes.err;
  EXPECT_NE(minutes.err.find("wrote 12 frames"), std::string::npos) << minutes.err;
  // A bit rate is decimal (k = 1000): a binary size unit is not one.
  EXPECT_EQ(zcrec({"feed", "testsrc", "--stream", stream.name(), "--bitrate", "1MiB", "--frames", "1"}).exit_code, 2);
  EXPECT_EQ(zcrec({"feed", "testsrc", "--stream", stream.name(), "--duration", "-1s", "--frames", "1"}).exit_code, 2);
}

TEST(FeedTestsrc, H265Main10IsReadAsMain10) {
  TempDir dir;
  ScopedStream stream("main10");
  const auto fed = zcrec({"feed", "testsrc", "--stream", stream.name(), "--codec", "h265", "--bit-depth", "10",
                          "--size", "320x240", "--frames", "30", "--max-rate"});
  ASSERT_EQ(fed.exit_code, 0) << fed.err;
  const auto video = dir / "out.h265";
  ASSERT_EQ(zcrec({"cat", stream.name(), "--start", "oldest"}, video).exit_code, 0);
  EXPECT_EQ(probe_stream(video, "codec_name,profile,pix_fmt,nb_read_frames", "hevc"),
            "codec_name=hevc\nprofile=Main 10\npix_fmt=yuv420p10le\nnb_read_frames=30\n");
}

TEST(FeedTestsrc, AudioTrackComesOutAsAdtsThatDecodes) {
  TempDir dir;
  ScopedStream stream("aac");
  const auto fed = zcrec({"feed", "testsrc", "--stream", stream.name(), "--audio", "--size", "160x120", "--frames",
                          "60", "--max-rate"});
  ASSERT_EQ(fed.exit_code, 0) << fed.err;
  const auto audio = dir / "out.aac";
  ASSERT_EQ(zcrec({"cat", stream.name(), "--start", "oldest", "--track", "audio"}, audio).exit_code, 0);
  EXPECT_EQ(probe_stream(audio, "codec_name,sample_rate,channels", "aac"),
            "codec_name=aac\nsample_rate=48000\nchannels=1\n");
  const auto decode = run({"ffmpeg", "-v", "error", "-f", "aac", "-i", audio.string(), "-f", "null", "-"});
  EXPECT_EQ(decode.exit_code, 0);
  EXPECT_EQ(decode.err, "");

  // Timestamps of both tracks increase across the replayed loop.
  auto reader = fifo::RingReader::open(stream.name(), {.start = fifo::StartAt::oldest_keyframe});
  fifo::Frame f;
  int64_t last[2] = {INT64_MIN, INT64_MIN};
  int counted[2] = {0, 0};
  while (reader.try_read(f) == fifo::ReadStatus::frame) {
    ASSERT_LT(f.header.track, 2u);
    EXPECT_GT(f.header.dts, last[f.header.track]);
    last[f.header.track] = f.header.dts;
    ++counted[f.header.track];
  }
  EXPECT_EQ(counted[0], 60);
  EXPECT_GT(counted[1], 80);  // 2 s of 1024-sample AAC frames at 48 kHz is about 94
}

}  // namespace
}  // namespace zc::test
