// A recording outlives its writer: the feeder dies, a new writer takes the ring over (positions continue, its
// first frame is flagged a discontinuity) with other codec parameters, starting mid-GOP. The recorder closes the
// segment at the break, drops what cannot be decoded until the new writer's first keyframe, records the gap, and
// goes on in a new segment. Both sides of the break are judged frame by frame against the source clips.
#include <zc/catalog/catalog.h>
#include <zc/media/source.h>
#include <zc/recorder/recorder.h>

#include <gtest/gtest.h>

#include <time.h>

#include <algorithm>

#include "recorder/support/record_fixture.h"
#include <zc/fifo/writer_absence.h>

using namespace zc::catalog;
using namespace zc::recorder;
using namespace zc::test;

namespace {

constexpr int64_t kS = 1'000'000'000;

int64_t clock_now(clockid_t id) {
  timespec ts{};
  ::clock_gettime(id, &ts);
  return int64_t{ts.tv_sec} * kS + ts.tv_nsec;
}

// Writes a clip's packets from `first_packet` on, stamped as captured from `first_mono_ns` on at the clip's own
// pace. Returns how many packets precede the first keyframe written (what a recorder cannot decode).
int64_t write_clip(zc::fifo::RingWriter& writer, const std::filesystem::path& path, size_t first_packet,
                   int64_t first_mono_ns) {
  zc::media::MediaSource src(path.string());
  writer.set_stream_info(src.stream_info());
  const int64_t wall_minus_mono = clock_now(CLOCK_REALTIME) - clock_now(CLOCK_MONOTONIC);
  zc::media::MediaPacket p;
  std::optional<int64_t> first_dts_ns;
  int64_t before_keyframe = 0;
  bool keyframe_seen = false;
  for (size_t i = 0; src.read(p); ++i) {
    if (i < first_packet) continue;
    const auto tb = src.stream_info().find(p.track)->time_base;
    const int64_t dts_ns = p.dts * tb.num * kS / tb.den;
    if (!first_dts_ns) first_dts_ns = dts_ns;
    keyframe_seen = keyframe_seen || p.keyframe;
    if (!keyframe_seen) ++before_keyframe;
    zc::fifo::FrameMeta m;
    m.track = p.track;
    m.flags = p.keyframe ? zc::fifo::frame_flag::keyframe : 0;
    m.pts = p.pts;
    m.dts = p.dts;
    m.mono_ns = first_mono_ns + dts_ns - *first_dts_ns;
    m.wall_ns = m.mono_ns + wall_minus_mono;
    writer.write(m, p.data.data(), p.data.size());
  }
  return before_keyframe;
}

// Polls until the recorder has written `frames` video frames (everything in the ring).
void poll_until_frames(Recorder& rec, int64_t frames) {
  for (int i = 0; i < 100 && rec.summary().frames < frames; ++i) ASSERT_TRUE(rec.poll(std::chrono::milliseconds(50)));
  ASSERT_EQ(rec.summary().frames, frames);
}

// Runs the scenario; `notice_absence`: the recorder polls while no writer exists (else the new writer takes over
// before the recorder looks, and only the discontinuity flag tells it).
void record_across_writer_restart(bool notice_absence) {
  TempDir d("restart");
  ScopedStream stream(notice_absence ? "restart_seen" : "restart_flag");
  const auto& before = clip("h264_320_short");  // 3 s, 30 fps, GOP 30, B-frames
  const auto& after = clip("h264_480");         // 3 s at 480x272: new parameter sets
  const int64_t t0 = clock_now(CLOCK_MONOTONIC);

  std::optional<zc::fifo::RingWriter> writer = zc::fifo::RingWriter::open(stream.name());
  write_clip(*writer, before, 0, t0 - 10 * kS);
  SystemClock clock;
  RecorderOptions o;
  o.stream = stream.name();
  o.dir = d.path();
  o.timing.preroll_ns = 20 * kS;  // from the oldest keyframe
  o.timing.postroll_ns = 0;
  o.writer_grace_ns = 10 * kS;
  auto rec = Recorder::start(o, clock);
  poll_until_frames(rec, 90);

  writer.reset();  // the feeder is gone; the ring stays
  if (notice_absence) {
    ASSERT_TRUE(rec.poll(std::chrono::milliseconds(300)));
    ASSERT_FALSE(rec.summary().warnings.empty());
    EXPECT_NE(rec.summary().warnings.back().find("is gone"), std::string::npos) << rec.summary().warnings.back();
    // What came before the break is already complete while the recorder waits.
    auto c = Catalog::open(d.path());
    const auto segs = c.segments_of_recording(rec.summary().recording_id);
    ASSERT_EQ(segs.size(), 1u);
    EXPECT_EQ(segs[0].state, "complete");
  }
  writer = zc::fifo::RingWriter::open(stream.name());  // takes over: positions continue
  ASSERT_TRUE(writer->took_over());
  // Starting mid-GOP: packet 5 in decode order is not a keyframe; the next one is the clip's second GOP.
  const int64_t undecodable = write_clip(*writer, after, 5, t0 - 4 * kS);
  ASSERT_GT(undecodable, 0);
  poll_until_frames(rec, 90 + 85 - undecodable);
  rec.stop();
  const auto& sum = rec.run();

  EXPECT_EQ(sum.end_reason, EndReason::stopped);
  EXPECT_EQ(sum.writer_restarts, notice_absence ? 1 : 0);
  EXPECT_EQ(sum.frames_lost, undecodable);
  auto c = Catalog::open(d.path());
  const auto segs = c.segments_of_recording(sum.recording_id);
  ASSERT_EQ(segs.size(), 2u);
  EXPECT_EQ(segs[0].end_reason, "discontinuity");
  EXPECT_EQ(segs[0].width, 320);
  EXPECT_EQ(segs[1].width, 480);
  EXPECT_EQ(segs[1].end_reason, "stopped");
  const auto gaps = c.gaps(stream.name());
  ASSERT_EQ(gaps.size(), 1u);
  EXPECT_EQ(gaps[0].reason, "discontinuity");
  EXPECT_EQ(gaps[0].frames_lost, undecodable);
  EXPECT_EQ(gaps[0].start_wall_ns, segs[0].end_wall_ns);
  EXPECT_EQ(gaps[0].end_wall_ns, segs[1].start_wall_ns);
  // The old clip ends 7 s before t0; the new one is stamped from 4 s before t0 on, and its first keyframe
  // comes `undecodable` frames (1/30 s each) later.
  EXPECT_NEAR(static_cast<double>(gaps[0].end_wall_ns - gaps[0].start_wall_ns),
              3e9 + static_cast<double>(undecodable) * 1e9 / 30, 1e6);
  EXPECT_EQ(c.recording(sum.recording_id)->frames_lost, undecodable);

  // Frame-exact on both sides: the whole first clip, and the second one from its second keyframe (frame 30).
  const auto first = frame_md5s(c.absolute_path(segs[0]));
  EXPECT_EQ(first, frame_md5s(before));
  const auto second = frame_md5s(c.absolute_path(segs[1]));
  const auto source = frame_md5s(after);
  ASSERT_EQ(source.size(), 90u);
  EXPECT_EQ(second, std::vector<std::string>(source.begin() + 30, source.end()));
  EXPECT_EQ(probe(c.absolute_path(segs[1]))["frames"][0]["key_frame"], 1);
}

}  // namespace

TEST(WriterAbsence, GraceCountsContinuousAbsenceOnly) {
  zc::fifo::WriterAbsence a(3 * kS);
  EXPECT_FALSE(a.writer_seen(1 * kS)) << "never gone";
  EXPECT_TRUE(a.within_grace(10 * kS));
  EXPECT_TRUE(a.within_grace(12 * kS));
  EXPECT_EQ(a.writer_seen(12 * kS + 500), 2 * kS + 500);
  EXPECT_FALSE(a.absent());
  EXPECT_TRUE(a.within_grace(20 * kS)) << "a new absence has the whole grace again";
  EXPECT_TRUE(a.within_grace(23 * kS - 1));
  EXPECT_FALSE(a.within_grace(23 * kS));
  EXPECT_FALSE(zc::fifo::WriterAbsence(0).within_grace(5 * kS)) << "no grace: never wait";
}

TEST(WriterRestart, NoticedAbsenceThenTakeoverWithNewParametersContinuesInANewSegment) {
  record_across_writer_restart(true);
}

TEST(WriterRestart, TakeoverSeenOnlyAsADiscontinuityFlagIsHandledTheSameWay) { record_across_writer_restart(false); }

TEST(WriterRestart, ZeroGraceEndsAtOnceAsWriterGone) {
  TempDir d("restart");
  ScopedStream stream("restart_zero");
  std::optional<zc::fifo::RingWriter> writer = zc::fifo::RingWriter::open(stream.name());
  write_clip(*writer, clip("h264_320_short"), 0, clock_now(CLOCK_MONOTONIC) - 10 * kS);
  SystemClock clock;
  RecorderOptions o;
  o.stream = stream.name();
  o.dir = d.path();
  o.timing.preroll_ns = 20 * kS;
  o.writer_grace_ns = 0;
  auto rec = Recorder::start(o, clock);
  poll_until_frames(rec, 90);
  writer.reset();
  const int64_t t = clock_now(CLOCK_MONOTONIC);
  const auto& sum = rec.run();
  EXPECT_LT(clock_now(CLOCK_MONOTONIC) - t, kS);
  EXPECT_EQ(sum.end_reason, EndReason::writer_gone);
  EXPECT_EQ(sum.gaps, 0);
  auto c = Catalog::open(d.path());
  EXPECT_EQ(c.segments_of_recording(sum.recording_id).at(0).end_reason, "stopped");
}
