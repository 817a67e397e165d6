// The `zcrec feed` zcrecd builds for each kind of camera source (service/src/ingest_supervisor.cpp, ingest_spec):
// the options come from ingest::classify_source, the one decision, and survive the adoption check's parse.
#include "ingest_supervisor.h"

#include <zc/ingest/ingest_command.h>

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

namespace zc::service {
namespace {

CameraConfig camera(std::string source) {
  CameraConfig c;
  c.name = "front";
  c.source = std::move(source);
  c.rtsp_transport = "udp";
  c.ring_size_bytes = 8 << 20;
  c.input_options = {"probesize=32"};
  return c;
}

ingest::IngestSpec spec_of(const std::string& source) { return ingest_spec("/usr/bin/zcrec", camera(source), "zc_front"); }

TEST(IngestSpec, EachKindOfSourceGetsItsOptionsFromOneDecision) {
  const auto rtsp = spec_of("rtsp://cam/s");
  EXPECT_EQ(rtsp.rtsp_transport, "udp");
  EXPECT_FALSE(rtsp.loop);
  EXPECT_EQ(rtsp.ring_size_bytes, 8 << 20);
  EXPECT_EQ(rtsp.input_options, std::vector<std::string>{"probesize=32"});
  EXPECT_EQ(rtsp.ring, "zc_front");

  // Upper case is the same scheme: before, zcrecd gave it no --rtsp-transport (feed's rtsp_transport neither).
  const auto upper = spec_of("RTSP://admin:pw@cam/s");
  EXPECT_EQ(upper.rtsp_transport, "udp");
  EXPECT_EQ(upper.source, "RTSP://admin@cam/s");
  EXPECT_EQ(upper.password, "pw");

  EXPECT_FALSE(spec_of("rtmp://h/app/key").rtsp_transport);
  EXPECT_FALSE(spec_of("rtmp://h/app/key").loop);

  auto t = camera("testsrc");
  t.testsrc.bitrate_bps = 300'000;
  const auto synthetic = ingest_spec("/usr/bin/zcrec", t, "zc_front");
  EXPECT_EQ(synthetic.testsrc.bitrate_bps, 300'000);
  EXPECT_EQ(synthetic.testsrc.gop_ms, 1000);
  EXPECT_TRUE(synthetic.input_options.empty());  // as before: libavformat options mean nothing to testsrc
  EXPECT_FALSE(synthetic.loop);
  EXPECT_FALSE(synthetic.rtsp_transport);

  const auto dir = std::filesystem::temp_directory_path() / ("zc_ingest_spec_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto fifo = dir / "cam.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_TRUE(spec_of((dir / "clip.mp4").string()).loop);
  EXPECT_TRUE(spec_of(fifo.string()).loop);
  EXPECT_FALSE(spec_of("file://" + (dir / "clip.mp4").string()).loop);  // as before: a file URL is not looped
  std::filesystem::remove_all(dir);
  EXPECT_FALSE(spec_of("/srv/a.mp4").rtsp_transport);
}

TEST(IngestSpec, WhatZcrecdBuildsIsWhatTheAdoptionCheckReadsBack) {
  for (const char* source : {"rtsp://admin:p%40ss@cam:554/s", "srt://h:9000", "testsrc", "/srv/my cams/a.mp4"}) {
    const auto spec = spec_of(source);
    const auto back = ingest::parse_ingest_command(ingest::ingest_command(spec), ingest::ingest_environment(spec));
    ASSERT_TRUE(back) << source;
    EXPECT_EQ(*back, spec) << source;
  }
  EXPECT_EQ(spec_of("rtsp://admin:p%40ss@cam:554/s").password, "p@ss");
}

}  // namespace
}  // namespace zc::service
