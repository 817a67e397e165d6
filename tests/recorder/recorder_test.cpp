// The recorder in-process on rings fed with real libx264/libx265 output: pre-roll exactness, B-frames, hvc1,
// AAC, rotation by length and by a real parameter change (not by an identical re-send), and a clock jump.
// Every MP4 is judged by ffprobe and by decoding with `ffmpeg -f framemd5` against the source clip.
#include <zc/catalog/catalog.h>
#include <zc/recorder/error.h>
#include <zc/recorder/recorder.h>

#include <gtest/gtest.h>

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>
#include <utility>

#include "recorder/support/record_fixture.h"

using namespace zc::catalog;
using namespace zc::recorder;
using namespace zc::test;

namespace {

constexpr int64_t kS = 1'000'000'000;

RecorderOptions options_for(const std::string& stream, const std::filesystem::path& dir) {
  RecorderOptions o;
  o.stream = stream;
  o.dir = dir;
  o.timing.preroll_ns = 3 * kS;
  o.timing.postroll_ns = 0;
  o.timing.duration_ns = 1 * kS;
  return o;
}

// Decoded frames of all segments of a recording, in order, and a check that each segment starts on a keyframe.
std::vector<std::string> recording_md5s(const Catalog& c, int64_t recording_id) {
  std::vector<std::string> all;
  for (const auto& s : c.segments_of_recording(recording_id)) {
    const auto path = c.absolute_path(s);
    const auto md5 = frame_md5s(path);
    // Only B-frames cut off at the very end (see expect_source_run) may fail to decode.
    EXPECT_LE(static_cast<int64_t>(md5.size()), s.frames) << s.path;
    EXPECT_GE(static_cast<int64_t>(md5.size()), s.frames - 2) << s.path;
    const auto info = probe(path);
    const auto& frames = info["frames"];
    EXPECT_FALSE(frames.empty()) << s.path;
    if (!frames.empty()) {
      EXPECT_EQ(frames[0]["key_frame"], 1) << s.path << " does not start on a keyframe";
    }
    all.insert(all.end(), md5.begin(), md5.end());
  }
  return all;
}

// A recording that stops mid mini-GOP (decode order) lacks the B-frames whose forward reference it did not
// capture: apart from those last `bframes` frames, the decoded frames must be the source's, in order, from `first`.
void expect_source_run(const std::vector<std::string>& source, size_t first, const std::vector<std::string>& got,
                       size_t bframes = 2) {
  ASSERT_GT(got.size(), bframes);
  ASSERT_LE(first + got.size(), source.size() + bframes);
  const size_t n = got.size() - bframes;
  EXPECT_EQ(std::vector<std::string>(got.begin(), got.begin() + static_cast<long>(n)),
            std::vector<std::string>(source.begin() + static_cast<long>(first),
                                     source.begin() + static_cast<long>(first + n)));
  for (size_t i = n; i < got.size(); ++i) {
    EXPECT_NE(std::find(source.begin() + static_cast<long>(first), source.end(), got[i]), source.end()) << i;
  }
}

}  // namespace

TEST(Recorder, PrerollStartsAtNewestKeyframeBeforeTriggerMinusPreroll) {
  TempDir d("rec");
  const auto& src = clip("h264_bframes");  // 12 s, 1 s GOP, 2 B-frames
  FeedOptions fo;
  fo.inputs = {src.string()};
  fo.backlog_ns = 8 * kS + 500'000'000;
  FedRing ring("preroll", fo);
  SystemClock clock;
  auto rec = Recorder::start(options_for(ring.name(), d.path()), clock);
  const int64_t started = clock.mono_ns();
  const auto& sum = rec.run();

  // T is the newest frame when recording started: the backlog's last frame or one the feeder added since (frames
  // carry their write time), so never a frame written after start() returned.
  const int64_t T = sum.trigger_mono_ns;
  EXPECT_GE(T, ring.backlog_end_mono_ns());
  EXPECT_LE(T, started);
  const auto expected = ring.keyframe_at_or_before(T - 3 * kS);
  ASSERT_TRUE(expected);
  EXPECT_EQ(sum.preroll_achieved_ns, T - expected->mono_ns);
  EXPECT_GE(sum.preroll_achieved_ns, 3 * kS);
  EXPECT_LT(sum.preroll_achieved_ns, 4 * kS);  // within one GOP
  EXPECT_EQ(sum.end_reason, EndReason::duration);

  auto c = Catalog::open(d.path());
  const auto r = c.recording(sum.recording_id);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->state, "complete");
  EXPECT_EQ(r->preroll_requested_ns, 3 * kS);
  EXPECT_EQ(*r->preroll_achieved_ns, sum.preroll_achieved_ns);
  const auto segs = c.segments_of_recording(sum.recording_id);
  ASSERT_EQ(segs.size(), 1u);
  EXPECT_EQ(segs[0].state, "complete");
  // Duration within one GOP of pre-roll + length.
  const int64_t dur_ns = ticks90k_to_ns(segs[0].duration_90k);
  EXPECT_GE(dur_ns, 4 * kS - 100'000'000);
  EXPECT_LE(dur_ns, 5 * kS + 100'000'000);

  // Frame-exact: the clip is a contiguous run of the source starting at the expected keyframe.
  const auto source = source_frames(src);
  const auto got = recording_md5s(c, sum.recording_id);
  ASSERT_FALSE(got.empty());
  expect_source_run(source.md5, source.index_of(expected->pts), got);
  // B-frames survive: the file has frames whose pts differ from dts order.
  const auto info = probe(c.absolute_path(segs[0]));
  int b_frames = 0;
  for (const auto& f : info["frames"]) b_frames += f.value("pict_type", "") == "B";
  EXPECT_GT(b_frames, 0);
  // The keyframe index has one entry per keyframe, pointing at moof boxes.
  const auto kfs = c.keyframes(segs[0].id);
  EXPECT_EQ(static_cast<int64_t>(kfs.size()), segs[0].keyframes);
  EXPECT_GE(kfs.size(), 4u);
  EXPECT_EQ(kfs[0].media_offset_90k, 0);
  EXPECT_EQ(kfs[1].sample_number, 30);
}

TEST(Recorder, RingShorterThanPrerollStartsAtOldestKeyframe) {
  TempDir d("rec");
  FeedOptions fo;
  fo.inputs = {clip("h264_bframes").string()};
  fo.backlog_ns = 2 * kS + 200'000'000;
  FedRing ring("short", fo);
  SystemClock clock;
  auto o = options_for(ring.name(), d.path());
  o.timing.preroll_ns = 10 * kS;
  auto rec = Recorder::start(o, clock);
  const auto& sum = rec.run();
  EXPECT_EQ(sum.preroll_achieved_ns, sum.trigger_mono_ns - ring.backlog().front().mono_ns);
  auto c = Catalog::open(d.path());
  EXPECT_EQ(*c.recording(sum.recording_id)->preroll_achieved_ns, sum.preroll_achieved_ns);
  EXPECT_EQ(c.recording(sum.recording_id)->preroll_requested_ns, 10 * kS);
}

TEST(Recorder, H265IsTaggedHvc1AndDecodesFrameExact) {
  TempDir d("rec");
  const auto& src = clip("h265");
  FeedOptions fo;
  fo.inputs = {src.string()};
  fo.backlog_ns = 4 * kS + 500'000'000;
  FedRing ring("hevc", fo);
  SystemClock clock;
  auto o = options_for(ring.name(), d.path());
  o.timing.preroll_ns = 2 * kS;
  auto rec = Recorder::start(o, clock);
  const auto& sum = rec.run();
  auto c = Catalog::open(d.path());
  const auto segs = c.segments_of_recording(sum.recording_id);
  ASSERT_EQ(segs.size(), 1u);
  EXPECT_EQ(segs[0].video_codec, "h265");
  const auto info = probe(c.absolute_path(segs[0]), false);
  EXPECT_EQ(info["streams"][0]["codec_tag_string"], "hvc1");
  EXPECT_EQ(info["streams"][0]["codec_name"], "hevc");
  const auto source = source_frames(src);
  const auto got = recording_md5s(c, sum.recording_id);
  const auto expected = ring.keyframe_at_or_before(sum.trigger_mono_ns - 2 * kS);
  ASSERT_TRUE(expected);
  expect_source_run(source.md5, source.index_of(expected->pts), got);
}

TEST(Recorder, AacTrackIsRecordedAsSecondTrack) {
  TempDir d("rec");
  FeedOptions fo;
  fo.inputs = {clip("h264_aac").string()};
  fo.backlog_ns = 4 * kS;
  FedRing ring("aac", fo);
  SystemClock clock;
  auto o = options_for(ring.name(), d.path());
  o.timing.preroll_ns = 2 * kS;
  auto rec = Recorder::start(o, clock);
  const auto& sum = rec.run();
  EXPECT_GT(sum.audio_frames, 50);
  auto c = Catalog::open(d.path());
  const auto segs = c.segments_of_recording(sum.recording_id);
  ASSERT_EQ(segs.size(), 1u);
  EXPECT_EQ(segs[0].audio_codec, "aac");
  EXPECT_EQ(segs[0].audio_sample_rate, 48000);
  const auto info = probe(c.absolute_path(segs[0]), false);
  ASSERT_EQ(info["streams"].size(), 2u);
  EXPECT_EQ(info["streams"][1]["codec_name"], "aac");
  const auto decoded = run_command({"ffmpeg", "-nostdin", "-v", "error", "-i", c.absolute_path(segs[0]).string(),
                                    "-map", "0:a", "-f", "null", "-"});
  EXPECT_EQ(decoded.exit_code, 0);
  const double audio_s = std::stod(info["streams"][1].value("duration", "0"));
  EXPECT_NEAR(audio_s, static_cast<double>(ticks90k_to_ns(segs[0].duration_90k)) / 1e9, 0.3);
}

TEST(Recorder, RotatesByLengthAtKeyframesWithoutLosingFrames) {
  TempDir d("rec");
  const auto& src = clip("h264_bframes");
  FeedOptions fo;
  fo.inputs = {src.string()};
  fo.backlog_ns = 7 * kS + 500'000'000;
  FedRing ring("rotate", fo);
  SystemClock clock;
  auto o = options_for(ring.name(), d.path());
  o.timing.preroll_ns = 6 * kS;
  o.segment_ns = 2 * kS;
  auto rec = Recorder::start(o, clock);
  const auto& sum = rec.run();
  auto c = Catalog::open(d.path());
  const auto segs = c.segments_of_recording(sum.recording_id);
  ASSERT_GE(segs.size(), 3u);
  for (size_t i = 0; i + 1 < segs.size(); ++i) {
    EXPECT_EQ(segs[i].end_reason, "length");
    EXPECT_EQ(segs[i].frames, 60) << "2 s of 30 fps per segment";
    EXPECT_LE(segs[i].end_wall_ns, segs[i + 1].start_wall_ns) << "segments overlap";
  }
  const auto source = source_frames(src);
  const auto got = recording_md5s(c, sum.recording_id);
  const auto expected = ring.keyframe_at_or_before(sum.trigger_mono_ns - 6 * kS);
  ASSERT_TRUE(expected);
  // Across segment boundaries no frame is lost or reordered.
  expect_source_run(source.md5, source.index_of(expected->pts), got);
  EXPECT_EQ(static_cast<int64_t>(got.size()), sum.frames);
}

TEST(Recorder, RotatesOnRealParameterChangeButNotOnIdenticalResend) {
  TempDir d("rec");
  FeedOptions fo;
  // 3 s of 320x240, the same file again (identical stream info re-sent), then 480x272: all in the backlog.
  fo.inputs = {clip("h264_320_short").string(), clip("h264_320_short").string(), clip("h264_480").string()};
  fo.backlog_ns = 8 * kS + 500'000'000;
  fo.total_ns = 9 * kS;
  FedRing ring("params", fo);
  SystemClock clock;
  auto o = options_for(ring.name(), d.path());
  o.timing.preroll_ns = 20 * kS;
  o.timing.duration_ns = 0;
  o.timing.postroll_ns = 300'000'000;
  auto rec = Recorder::start(o, clock);
  const auto& sum = rec.run();
  auto c = Catalog::open(d.path());
  const auto segs = c.segments_of_recording(sum.recording_id);
  ASSERT_EQ(segs.size(), 2u);
  EXPECT_EQ(segs[0].end_reason, "params_changed");
  EXPECT_EQ(segs[0].width, 320);
  EXPECT_EQ(segs[0].frames, 180) << "both 3 s passes of the same clip in one segment";
  EXPECT_EQ(segs[1].width, 480);
  const auto p1 = probe(c.absolute_path(segs[1]));
  EXPECT_EQ(p1["streams"][0]["width"], 480);
  expect_source_run(frame_md5s(clip("h264_480")), 0, frame_md5s(c.absolute_path(segs[1])));
}

// The host's realtime clock stepped back one hour, injected through the recorder's Clock (and, as a real
// step would, into the writer's frame stamps from the same moment on).
class SteppableClock final : public Clock {
 public:
  int64_t mono_ns() const override { return system_.mono_ns(); }
  int64_t wall_ns() const override { return system_.wall_ns() + step_ns.load(); }
  std::atomic<int64_t> step_ns{0};

 private:
  SystemClock system_;
};

TEST(Recorder, ClockJumpIsRecordedAndSegmentsNeverGoBackwards) {
  TempDir d("rec");
  FeedOptions fo;
  fo.inputs = {clip("h264_bframes").string()};
  fo.backlog_ns = 6 * kS;
  fo.wall_jump_at_ns = 6 * kS + 300'000'000;  // frames captured after the step carry the stepped realtime
  fo.wall_jump_ns = -3600 * kS;
  FedRing ring("jump", fo);
  SteppableClock clock;
  auto o = options_for(ring.name(), d.path());
  o.timing.preroll_ns = 5 * kS;
  o.segment_ns = 2 * kS;
  auto rec = Recorder::start(o, clock);
  ASSERT_TRUE(rec.poll(std::chrono::milliseconds(300)));
  clock.step_ns = -3600 * kS;
  const auto first = rec.run();
  EXPECT_EQ(first.clock_jumps, 1);
  auto c = Catalog::open(d.path());
  const auto jumps = c.clock_jumps(ring.name());
  ASSERT_EQ(jumps.size(), 1u);
  EXPECT_NEAR(static_cast<double>(jumps[0].jump_ns), -3600e9, 0.2e9);
  EXPECT_EQ(jumps[0].recording_id, first.recording_id);
  // A second recording now anchors at a realtime an hour behind: it must still start after the first one.
  auto rec2 = Recorder::start(o, clock);
  const auto second = rec2.run();
  const auto segs = c.segments(ring.name());
  ASSERT_GE(segs.size(), 4u);
  for (size_t i = 0; i + 1 < segs.size(); ++i) {
    EXPECT_LE(segs[i].start_wall_ns, segs[i].end_wall_ns);
    EXPECT_LE(segs[i].end_wall_ns, segs[i + 1].start_wall_ns) << "segment " << i << " overlaps the next";
  }
  EXPECT_GE(c.recording(second.recording_id)->start_wall_ns.value(), c.recording(first.recording_id)->end_wall_ns.value());
}

// A source whose B-frames carry a dts after their pts (a naive RTP client before it has learned the camera's
// reordering depth): the muxer refuses such a packet, and the whole recording used to fail with "Invalid
// argument" at the first B-frame. Now every frame is recorded and decodes; the owner is warned once.
TEST(Recorder, FramesWhosePtsComesBeforeTheirDtsAreRecordedNotFatal) {
  TempDir d("rec");
  FeedOptions fo;
  fo.inputs = {clip("h264_bframes").string()};
  fo.backlog_ns = 4 * kS;
  fo.dts_after_pts = true;
  FedRing ring("ptsdts", fo);
  SystemClock clock;
  auto o = options_for(ring.name(), d.path());
  std::vector<std::string> warnings;
  o.on_warning = [&](const std::string& w) { warnings.push_back(w); };
  auto rec = Recorder::start(o, clock);
  const auto& sum = rec.run();
  EXPECT_EQ(sum.end_reason, EndReason::duration);
  ASSERT_EQ(warnings.size(), 1u) << "warned once, however many frames";
  EXPECT_NE(warnings[0].find("presentation time came before its decoding time"), std::string::npos) << warnings[0];

  auto c = Catalog::open(d.path());
  const auto segs = c.segments_of_recording(sum.recording_id);
  ASSERT_EQ(segs.size(), 1u);
  EXPECT_EQ(segs[0].state, "complete");
  EXPECT_GE(segs[0].frames, 3 * 30);  // the 3 s pre-roll at 30 fps, and the 1 s after
  const auto path = c.absolute_path(segs[0]);
  // -xerror: any decoding error ends ffmpeg with a failure.
  EXPECT_EQ(run_command({"ffmpeg", "-v", "error", "-xerror", "-i", path.string(), "-f", "null", "-"}).exit_code, 0);
  // Every sample decodes (ffprobe lists each decoded picture; framemd5 would merge pictures whose raised pts
  // round to the same output time).
  EXPECT_EQ(static_cast<int64_t>(probe(path)["frames"].size()), segs[0].frames);
}

TEST(Recorder, MissingRingIsAClearError) {
  TempDir d("rec");
  SystemClock clock;
  auto o = options_for("t_no_such_ring_h3", d.path());
  EXPECT_ANY_THROW(Recorder::start(o, clock));
  o.stream = "bad/name";
  try {
    Recorder::start(o, clock);
    FAIL();
  } catch (const RecorderError& e) {
    EXPECT_EQ(e.code(), RecorderErrc::invalid_argument);
  }
}

TEST(Recorder, LappedByTheWriterRecordsAGapAndResumesAtAKeyframe) {
  TempDir d("rec");
  FeedOptions fo;
  fo.inputs = {clip("h264_bframes").string()};
  fo.backlog_ns = 1 * kS;
  fo.loop = true;
  FedRing ring("lapped", fo, 64 * 1024);  // a tiny ring: a recorder that does not read for a while is lapped
  SystemClock clock;
  auto o = options_for(ring.name(), d.path());
  o.timing.preroll_ns = 1 * kS;
  o.timing.duration_ns = 4 * kS;
  auto rec = Recorder::start(o, clock);
  ASSERT_TRUE(rec.poll(std::chrono::milliseconds(300)));  // recording: the backlog is in the first segment
  std::this_thread::sleep_for(std::chrono::milliseconds(3500));
  const auto& sum = rec.run();
  EXPECT_GT(sum.frames_lost, 0);
  EXPECT_GE(sum.gaps, 1);
  auto c = Catalog::open(d.path());
  const auto gaps = c.gaps(ring.name());
  ASSERT_GE(gaps.size(), 1u);
  EXPECT_EQ(gaps[0].reason, "lapped");
  EXPECT_GT(gaps[0].frames_lost, 0);
  EXPECT_GT(gaps[0].end_wall_ns, gaps[0].start_wall_ns);
  const auto segs = c.segments_of_recording(sum.recording_id);
  // A lap changes nothing a decoder would notice, and the timeline kept pace: the segment goes on, the gap lies
  // inside it, and the file's timeline has the same hole (docs/recording.md, "Lost frames and gaps").
  ASSERT_EQ(segs.size(), 1u);
  for (const auto& g : gaps) {
    EXPECT_GT(g.start_wall_ns, segs[0].start_wall_ns);
    EXPECT_LT(g.end_wall_ns, segs[0].end_wall_ns);
  }
  EXPECT_EQ(c.recording(sum.recording_id)->frames_lost, sum.frames_lost);
  const auto source = source_frames(clip("h264_bframes"));
  for (const auto& s : segs) {
    const auto md5 = frame_md5s(c.absolute_path(s));
    ASSERT_FALSE(md5.empty()) << s.path;
    // Never a torn frame: every decoded frame is one of the source's (the feeder loops the same clip).
    for (const auto& h : md5) EXPECT_NE(std::find(source.md5.begin(), source.md5.end(), h), source.md5.end());
  }
}

// The recorder sleeps on its ring until a keyframe or at most 250 ms (fifo::WakeOn::keyframe), not once per
// frame (docs/recording.md, "Waking and batching"): over 6 s of live frames it blocks far fewer times than the
// ~180 frames that came, yet writes every frame in order from the exact pre-roll keyframe.
TEST(Recorder, SleepsUntilKeyframesYetWritesEveryLiveFrameInOrderFromTheExactPrerollKeyframe) {
  TempDir d("rec");
  const auto& src = clip("h264_bframes");  // 12 s, 30 fps, 1 s GOP, 2 B-frames
  FeedOptions fo;
  fo.inputs = {src.string()};
  fo.backlog_ns = 4 * kS + 500'000'000;
  FedRing ring("batched", fo);
  SystemClock clock;
  auto o = options_for(ring.name(), d.path());
  o.timing.duration_ns = 6 * kS;
  auto rec = Recorder::start(o, clock);
  rusage before{}, after{};
  ::getrusage(RUSAGE_THREAD, &before);
  const auto& sum = rec.run();
  ::getrusage(RUSAGE_THREAD, &after);
  const long sleeps = after.ru_nvcsw - before.ru_nvcsw;  // voluntary: each time the thread blocked

  const int64_t T = sum.trigger_mono_ns;
  const auto expected = ring.keyframe_at_or_before(T - 3 * kS);
  ASSERT_TRUE(expected);
  EXPECT_EQ(sum.preroll_achieved_ns, T - expected->mono_ns);
  EXPECT_EQ(sum.end_reason, EndReason::duration);
  EXPECT_EQ(sum.frames_lost, 0);
  auto c = Catalog::open(d.path());
  const auto source = source_frames(src);
  const auto got = recording_md5s(c, sum.recording_id);
  ASSERT_GE(got.size(), 250u);  // 3+ s of pre-roll and 6 s of live frames
  expect_source_run(source.md5, source.index_of(expected->pts), got);
  // Once per frame would be ~180 and more (plus the file's and the catalog's own waits); per keyframe and 250 ms
  // it is ~25 plus those (~60 in all on a loaded machine).
  std::printf("recorder thread blocked %ld times for %zu frames\n", sleeps, got.size());
  EXPECT_LT(sleeps, 90) << "the recorder woke for (almost) every live frame";
}

// The recorder keeps the clock it is given for its whole life: a temporary clock would dangle after the
// statement that started the recording, so passing one must not compile.
// (A concept, because a requires-expression outside a template may not name an invalid call.)
template <class C>
concept StartsWithClock = requires(const RecorderOptions& o, C&& c) { Recorder::start(o, std::forward<C>(c)); };
static_assert(!StartsWithClock<SystemClock>, "Recorder::start must refuse a temporary clock");
static_assert(StartsWithClock<const SystemClock&>);
