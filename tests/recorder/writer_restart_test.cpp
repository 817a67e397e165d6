// A recording outlives its writer: the feeder dies, a new writer takes the ring over (positions continue, its
// first frame is flagged a discontinuity) with other codec parameters, starting mid-GOP. The recorder writes out
// what it holds at the break, drops what cannot be decoded until the new writer's first keyframe, records the
// gap, and goes on in a new segment. A break after which the stream goes on with the same parameters and a
// timeline that kept pace (a camera that reconnected, a lapped reader) stays in one segment with the gap inside.
// Both sides of each break are judged frame by frame against the source clips.
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
    // What came before the break is durable while the recorder waits: the fragment being filled was written
    // at the break and the catalog counts all of it.
    auto c = Catalog::open(d.path());
    const auto segs = c.segments_of_recording(rec.summary().recording_id);
    ASSERT_EQ(segs.size(), 1u);
    EXPECT_EQ(segs[0].frames, 90);
    EXPECT_EQ(frame_md5s(c.absolute_path(segs[0])), frame_md5s(before));
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

namespace {

// A clip's packets, to be written in pieces.
struct ClipPackets {
  zc::fifo::StreamInfo info;
  std::vector<zc::media::MediaPacket> packets;
  std::vector<zc::fifo::Rational> time_base;  // per packet
};

ClipPackets read_clip(const std::filesystem::path& path) {
  zc::media::MediaSource src(path.string());
  ClipPackets c;
  c.info = src.stream_info();
  zc::media::MediaPacket p;
  while (src.read(p)) {
    c.time_base.push_back(c.info.find(p.track)->time_base);
    c.packets.push_back(p);
  }
  return c;
}

// Writes packets [from, to) stamped as captured from `first_mono_ns` on at the clip's pace, their pts/dts moved
// `shift_ns` later; the first is flagged a discontinuity if asked (what LiveSource writes after a reconnect).
void write_packets(zc::fifo::RingWriter& writer, const ClipPackets& c, size_t from, size_t to, int64_t first_mono_ns,
                   int64_t shift_ns, bool flag_first) {
  const int64_t wall_minus_mono = clock_now(CLOCK_REALTIME) - clock_now(CLOCK_MONOTONIC);
  const auto ns = [&](size_t i, int64_t v) { return v * c.time_base[i].num * kS / c.time_base[i].den; };
  const int64_t origin_ns = ns(from, c.packets[from].dts);
  for (size_t i = from; i < to && i < c.packets.size(); ++i) {
    const auto& p = c.packets[i];
    const auto tb = c.time_base[i];
    const int64_t shift = shift_ns * tb.den / (tb.num * kS);
    zc::fifo::FrameMeta m;
    m.track = p.track;
    m.flags = p.keyframe ? zc::fifo::frame_flag::keyframe : 0;
    if (i == from && flag_first) m.flags |= zc::fifo::frame_flag::discontinuity;
    m.pts = p.pts + shift;
    m.dts = p.dts + shift;
    m.mono_ns = first_mono_ns + ns(i, p.dts) - origin_ns;
    m.wall_ns = m.mono_ns + wall_minus_mono;
    writer.write(m, p.data.data(), p.data.size());
  }
}

// Index of the second video keyframe in decode order: where the first GOP ends.
size_t second_keyframe(const ClipPackets& c) {
  int keys = 0;
  for (size_t i = 0; i < c.packets.size(); ++i)
    if (c.packets[i].track == 0 && c.packets[i].keyframe && ++keys == 2) return i;
  ADD_FAILURE() << "the clip has one keyframe";
  return c.packets.size();
}

RecorderOptions break_options(const std::string& stream, const std::filesystem::path& dir) {
  RecorderOptions o;
  o.stream = stream;
  o.dir = dir;
  o.timing.preroll_ns = 20 * kS;
  o.timing.postroll_ns = 0;
  o.writer_grace_ns = 10 * kS;
  return o;
}

// Records h264_320_short with a 2 s break after its first GOP (a camera away, back at a keyframe with the same
// parameters and its frames flagged): the timestamps after the break move `timestamp_shift_ns` on, the capture
// clock 2 s. Returns the recording's summary.
RecordingSummary record_across_a_break(const std::string& stream, const std::filesystem::path& dir,
                                       int64_t timestamp_shift_ns) {
  const auto c = read_clip(clip("h264_320_short"));  // 90 frames, GOP 30, B-frames
  const size_t gop2 = second_keyframe(c);
  const int64_t t0 = clock_now(CLOCK_MONOTONIC) - 20 * kS;
  auto writer = zc::fifo::RingWriter::open(stream);
  writer.set_stream_info(c.info);
  write_packets(writer, c, 0, gop2, t0, 0, false);
  SystemClock clock;
  auto rec = Recorder::start(break_options(stream, dir), clock);
  poll_until_frames(rec, 30);
  write_packets(writer, c, gop2, c.packets.size(), t0 + 3 * kS, timestamp_shift_ns, true);
  poll_until_frames(rec, 90);
  rec.stop();
  return rec.run();
}

// Video pts of a file in seconds, sorted (presentation order).
std::vector<double> sorted_video_pts(const std::filesystem::path& file) {
  std::vector<double> pts;
  const auto probed = probe(file);  // kept: a range-for over probe(file)["frames"] would outlive the temporary
  for (const auto& f : probed["frames"]) {
    const auto& t = f.contains("pts_time") ? f["pts_time"] : f["best_effort_timestamp_time"];
    pts.push_back(t.is_string() ? std::stod(t.get<std::string>()) : t.get<double>());
  }
  std::sort(pts.begin(), pts.end());
  return pts;
}

TEST(StreamBreak, SameParametersAndATimelineThatKeptPaceStayInOneSegmentWithTheGapInside) {
  TempDir d("break_same");
  ScopedStream stream("break_same");
  const auto& source = clip("h264_320_short");
  // The camera is away for 2 s and comes back at a keyframe with the same parameters, its timeline 2 s on.
  const auto sum = record_across_a_break(stream.name(), d.path(), 2 * kS);

  EXPECT_EQ(sum.frames_lost, 0);
  auto cat = Catalog::open(d.path());
  const auto segs = cat.segments_of_recording(sum.recording_id);
  ASSERT_EQ(segs.size(), 1u) << "no parameter changed: one segment";
  EXPECT_EQ(segs[0].frames, 90);
  const auto gaps = cat.gaps(stream.name());
  ASSERT_EQ(gaps.size(), 1u);
  EXPECT_EQ(gaps[0].reason, "discontinuity");
  EXPECT_EQ(gaps[0].frames_lost, 0);
  EXPECT_NEAR(static_cast<double>(gaps[0].end_wall_ns - gaps[0].start_wall_ns), 2e9, 1e6);
  EXPECT_GT(gaps[0].start_wall_ns, segs[0].start_wall_ns);
  EXPECT_LT(gaps[0].end_wall_ns, segs[0].end_wall_ns);
  // The segment spans both parts and the hole: 3 s of video plus 2 s away.
  EXPECT_NEAR(static_cast<double>(segs[0].end_wall_ns - segs[0].start_wall_ns), 5e9, 1e6);

  const auto file = cat.absolute_path(segs[0]);
  EXPECT_EQ(frame_md5s(file), frame_md5s(source)) << "every frame, decodable, in order";
  // The hole is in the file's timeline too: the keyframe after it plays 2 s after the one-GOP mark, and the
  // frame before it keeps a frame's duration (no frozen picture spanning the outage).
  const auto pts = sorted_video_pts(file);
  ASSERT_EQ(pts.size(), 90u);
  EXPECT_NEAR(pts[30] - pts[29], 2.0 + 1.0 / 30, 0.002);
  EXPECT_NEAR(pts[29] - pts[0], 29.0 / 30, 0.002);
  // Seeking in the catalog still lands on the keyframe after the hole at its wall time.
  const auto keys = cat.keyframes(segs[0].id);
  ASSERT_EQ(keys.size(), 3u);
  EXPECT_NEAR(static_cast<double>(keys[1].wall_ns - segs[0].start_wall_ns), 3e9, 1e6);
}

TEST(StreamBreak, ATimelineThatStartsAgainIsANewSegmentEvenWithTheSameParameters) {
  TempDir d("break_restart");
  ScopedStream stream("break_restart");
  const auto& source = clip("h264_320_short");
  const auto c = read_clip(source);
  const size_t gop2 = second_keyframe(c);
  const int64_t t0 = clock_now(CLOCK_MONOTONIC) - 20 * kS;
  std::optional<zc::fifo::RingWriter> writer = zc::fifo::RingWriter::open(stream.name());
  writer->set_stream_info(c.info);
  write_packets(*writer, c, 0, gop2, t0, 0, false);
  SystemClock clock;
  auto rec = Recorder::start(break_options(stream.name(), d.path()), clock);
  poll_until_frames(rec, 30);
  // A restarted feeder: the same camera and parameters, its timestamps from zero again.
  writer.reset();
  writer = zc::fifo::RingWriter::open(stream.name());
  ASSERT_TRUE(writer->took_over());
  writer->set_stream_info(c.info);
  write_packets(*writer, c, 0, c.packets.size(), t0 + 3 * kS, 0, false);
  poll_until_frames(rec, 120);
  rec.stop();
  const auto& sum = rec.run();

  auto cat = Catalog::open(d.path());
  const auto segs = cat.segments_of_recording(sum.recording_id);
  ASSERT_EQ(segs.size(), 2u) << "decode time went back: a segment cannot hold it";
  EXPECT_EQ(segs[0].end_reason, "discontinuity");
  EXPECT_EQ(segs[0].frames, 30);
  EXPECT_EQ(segs[1].frames, 90);
  EXPECT_EQ(cat.gaps(stream.name()).size(), 1u);
  EXPECT_EQ(frame_md5s(cat.absolute_path(segs[1])), frame_md5s(source));
  const auto first = frame_md5s(cat.absolute_path(segs[0]));
  const auto all = frame_md5s(source);
  EXPECT_EQ(first, std::vector<std::string>(all.begin(), all.begin() + 30));
}

}  // namespace

namespace {

// A writer whose timestamps across the break moved 0.4 s more than its capture clock (it stamped late under
// load): still one segment, and the hole in the file is as long as the capture clock says, so the segment's span
// and the gap row tile the recording.
TEST(StreamBreak, AHoleTakesTheCaptureClocksLengthWhenTheTimestampsDisagreeALittle) {
  TempDir d("break_skew");
  ScopedStream stream("break_skew");
  const auto& source = clip("h264_320_short");
  const auto sum = record_across_a_break(stream.name(), d.path(), 2 * kS + 400'000'000);

  auto cat = Catalog::open(d.path());
  const auto segs = cat.segments_of_recording(sum.recording_id);
  ASSERT_EQ(segs.size(), 1u);
  const auto gaps = cat.gaps(stream.name());
  ASSERT_EQ(gaps.size(), 1u);
  EXPECT_NEAR(static_cast<double>(gaps[0].end_wall_ns - gaps[0].start_wall_ns), 2e9, 1e6);
  EXPECT_NEAR(static_cast<double>(segs[0].end_wall_ns - segs[0].start_wall_ns), 5e9, 1e6);
  const auto file = cat.absolute_path(segs[0]);
  EXPECT_EQ(frame_md5s(file), frame_md5s(source));
  const auto pts = sorted_video_pts(file);
  ASSERT_EQ(pts.size(), 90u);
  EXPECT_NEAR(pts[30] - pts[29], 2.0 + 1.0 / 30, 0.002) << "the capture clock's 2 s, not the timestamps' 2.4 s";
  EXPECT_NEAR(pts[89] - pts[0], 5.0 - 1.0 / 30, 0.002);
}

}  // namespace
