// Every MP4 the recorder writes with an AAC track carries its AudioSpecificConfig: a ring whose writer describes
// an AAC track without one (the C API allows it) gets its video recorded and the audio track skipped with a
// report, instead of an esds that browsers refuse. Real libx264 + AAC frames, judged by ffprobe.
#include <zc/catalog/catalog.h>
#include <zc/fifo/ring_writer.h>
#include <zc/media/source.h>
#include <zc/recorder/recorder.h>

#include <gtest/gtest.h>

#include "recorder/support/record_fixture.h"

#include <time.h>

using namespace zc::catalog;
using namespace zc::recorder;
using namespace zc::test;

namespace {

int64_t mono_now() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace

TEST(RecorderAacConfig, AacTrackWithoutAudioSpecificConfigIsSkippedNotWrittenBare) {
  TempDir d("aac_cfg");
  ScopedStream stream("aac_cfg");
  auto writer = zc::fifo::RingWriter::open(stream.name());
  zc::media::MediaSource src(clip("h264_aac").string());
  zc::fifo::StreamInfo info = src.stream_info();
  const auto* audio = info.first_of(zc::fifo::MediaKind::audio);
  ASSERT_NE(audio, nullptr);
  for (auto& t : info.tracks)
    if (t.kind == zc::fifo::MediaKind::audio) t.config.clear();
  writer.set_stream_info(info);
  // The whole clip as history captured over the last 4 s.
  const int64_t start = mono_now() - 4'000'000'000;
  zc::media::MediaPacket p;
  while (src.read(p)) {
    const auto* t = info.find(p.track);
    zc::fifo::FrameMeta m;
    m.track = p.track;
    m.flags = p.keyframe ? zc::fifo::frame_flag::keyframe : 0;
    m.pts = p.pts;
    m.dts = p.dts;
    m.mono_ns = start + p.dts * 1'000'000'000LL * t->time_base.num / t->time_base.den;
    m.mono_ns = std::min(m.mono_ns, mono_now());
    writer.write(m, p.data.data(), p.data.size());
  }

  RecorderOptions o;
  o.stream = stream.name();
  o.dir = d.path();
  o.timing.preroll_ns = 10'000'000'000;
  o.timing.postroll_ns = 0;
  o.timing.duration_ns = 0;
  std::vector<std::string> warnings;
  o.on_warning = [&](const std::string& w) { warnings.push_back(w); };
  SystemClock clock;
  auto rec = Recorder::start(o, clock);
  const auto& sum = rec.run();
  EXPECT_EQ(sum.audio_frames, 0);
  ASSERT_EQ(sum.skipped_tracks.size(), 1u);
  EXPECT_NE(sum.skipped_tracks[0].find("AudioSpecificConfig"), std::string::npos) << sum.skipped_tracks[0];
  auto c = Catalog::open(d.path());
  const auto segs = c.segments_of_recording(sum.recording_id);
  ASSERT_GE(segs.size(), 1u);
  for (const auto& s : segs) {
    const auto j = probe(c.absolute_path(s), false);
    for (const auto& st : j["streams"])
      EXPECT_NE(st["codec_type"], "audio") << s.path << ": an AAC track without its AudioSpecificConfig";
    EXPECT_GT(frame_md5s(c.absolute_path(s)).size(), 0u);
  }
}
