// The recorder writes its fragments itself (recorder/src/fragment_muxer.h) where libavformat's mp4 muxer wrote
// them before. The judge is that muxer: the same frames of real libx264/libx265/AAC clips go through the
// segment writer and through the writer as it was (support/movenc_segment.h), and the files must be the same
// bytes — with B-frames, AAC, fragments cut by duration, breaks (a fragment written out and a hole in the
// timeline), frames whose pts came before their dts, audio that jitters back across a fragment boundary, and
// the transcoder's options (a known first dts, encoder priming). And the real thing end to end: a libx264 +
// AAC clip recorded through the Recorder decodes without an error, its packets are the clip's packets, with
// the clip's timestamps, durations and flags (ffprobe).
#include <zc/catalog/catalog.h>
#include <zc/media/source.h>
#include <zc/recorder/recorder.h>

#include <gtest/gtest.h>

#include "recorder/support/movenc_segment.h"
#include "recorder/support/record_fixture.h"
#include "segment_writer.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

using namespace zc;
using namespace zc::recorder;
using namespace zc::test;

namespace {

constexpr int64_t kS = 1'000'000'000;

struct Clip {
  fifo::StreamInfo info;
  std::vector<std::pair<fifo::FrameHeader, std::vector<uint8_t>>> frames;
  const fifo::TrackInfo* video() const { return info.first_of(fifo::MediaKind::video); }
  const fifo::TrackInfo* audio() const { return info.first_of(fifo::MediaKind::audio); }
};

// The clip's packets as the ring would carry them (Annex-B video, keyframe flags, decode order).
Clip read_clip(const std::string& name) {
  media::MediaSource src(clip(name).string());
  Clip c;
  c.info = src.stream_info();
  media::MediaPacket p;
  while (src.read(p)) {
    fifo::FrameHeader h;
    h.track = p.track;
    h.pts = p.pts;
    h.dts = p.dts;
    h.flags = p.keyframe ? fifo::frame_flag::keyframe : 0;
    c.frames.emplace_back(h, p.data);
  }
  return c;
}

// What a test does to the frames on their way: change a frame, or write out (a break) before it.
struct Plan {
  int64_t max_fragment_us = 1'000'000;
  // Before frame i: flush_fragment(), and from there on every timestamp moves by `hole` (video time base,
  // audio rescaled) — a source that was away.
  std::vector<size_t> breaks;
  int64_t hole_ns = 0;
  // Every n-th video non-keyframe gets a pts before its dts (an RTP client that guessed the B-frame depth wrong).
  size_t pts_before_dts_every = 0;
  // Every n-th audio frame comes 1/10 of a frame early (jitter): across a fragment boundary libavformat moves
  // it back to where the previous fragment ended.
  size_t audio_early_every = 0;
  // Frames whose payload is empty (a writer's malformed frame): libavformat drops them, yet the first of a
  // track after a discontinuity still starts its timeline.
  std::vector<size_t> empty;
  bool known_first_dts = false;  // SegmentWriterOptions::first_video_dts (the G.711 transcoder's case)
  int64_t audio_priming = 0;
};

struct Outputs {
  std::string ours, judge;
};

Outputs write_both(const Clip& c, const Plan& plan) {
  const fifo::TrackInfo* video = c.video();
  const fifo::TrackInfo* audio = c.audio();
  const auto& first = c.frames.front().first;
  SegmentWriterOptions so;
  so.max_fragment_us = plan.max_fragment_us;
  so.first_composition_offset = first.pts - first.dts;
  if (plan.known_first_dts) so.first_video_dts = first.dts;
  so.audio_priming = plan.audio_priming;
  MovencSegmentOptions mo{plan.max_fragment_us, so.first_composition_offset, so.first_video_dts, so.audio_priming};
  Outputs out;
  auto ours = SegmentWriter::create_streaming(
      [&out](const uint8_t* d, size_t n) {
        out.ours.append(reinterpret_cast<const char*>(d), n);
        return true;
      },
      *video, audio, so);
  MovencSegment judge(*video, audio, mo);
  int64_t shift_ns = 0;
  size_t video_n = 0, audio_n = 0;
  for (size_t i = 0; i < c.frames.size(); ++i) {
    if (std::find(plan.breaks.begin(), plan.breaks.end(), i) != plan.breaks.end()) {
      ours.flush_fragment();
      judge.flush_fragment();
      shift_ns += plan.hole_ns;
    }
    fifo::FrameHeader h = c.frames[i].first;
    const bool is_video = h.track == video->track_id;
    const fifo::TrackInfo& t = is_video ? *video : *audio;
    const int64_t shift = shift_ns * t.time_base.den / (kS * t.time_base.num);
    h.pts += shift;
    h.dts += shift;
    if (is_video && !h.is_key() && plan.pts_before_dts_every > 0 && ++video_n % plan.pts_before_dts_every == 0)
      h.pts = h.dts - 1;  // the dts stays where it was: decode times keep growing
    if (!is_video && plan.audio_early_every > 0 && ++audio_n % plan.audio_early_every == 0) {
      const int64_t tenth = t.sample_rate > 0 ? 1024 * t.time_base.den / (10 * t.time_base.num * t.sample_rate) : 1;
      h.pts -= tenth;
      h.dts -= tenth;
    }
    auto payload = std::as_bytes(std::span(c.frames[i].second));
    if (std::find(plan.empty.begin(), plan.empty.end(), i) != plan.empty.end()) payload = payload.first(0);
    ours.write(h, payload);
    judge.write(h, payload);
  }
  ours.finish();
  judge.finish();
  out.judge = judge.bytes();
  return out;
}

// Where two files first differ, for a readable failure.
std::string first_difference(const std::string& a, const std::string& b) {
  size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  std::ostringstream s;
  s << "sizes " << a.size() << " and " << b.size() << ", first difference at byte " << i;
  return s.str();
}

void expect_same_bytes(const std::string& clip_name, const Plan& plan) {
  const Clip c = read_clip(clip_name);
  const Outputs o = write_both(c, plan);
  ASSERT_GT(o.judge.size(), 1000u);
  EXPECT_TRUE(o.ours == o.judge) << clip_name << ": " << first_difference(o.ours, o.judge);
}

}  // namespace

TEST(FragmentMuxer, WritesTheSameBytesAsLibavformatForH264WithBFrames) { expect_same_bytes("h264_bframes", {}); }

TEST(FragmentMuxer, WritesTheSameBytesAsLibavformatForH264WithoutBFrames) { expect_same_bytes("h264_noB", {}); }

TEST(FragmentMuxer, WritesTheSameBytesAsLibavformatForH265) { expect_same_bytes("h265", {}); }

TEST(FragmentMuxer, WritesTheSameBytesAsLibavformatForH264WithAac) { expect_same_bytes("h264_aac", {}); }

TEST(FragmentMuxer, CutsByDurationAsLibavformatDoes) {
  Plan p;
  p.max_fragment_us = 300'000;  // inside every GOP, and audio cuts too
  expect_same_bytes("h264_aac", p);
  expect_same_bytes("h264_bframes", p);
}

TEST(FragmentMuxer, BreaksAndHolesAsLibavformatWritesThem) {
  Plan p;
  p.breaks = {5, 100, 101, 187};  // mid-GOP, twice in a row, and before a frame that has audio around it
  p.hole_ns = 2 * kS;
  expect_same_bytes("h264_aac", p);
  p.hole_ns = 0;  // a break without a hole: the fragment after it still keeps its own decode time
  expect_same_bytes("h264_bframes", p);
}

TEST(FragmentMuxer, FramesWhosePtsCameBeforeTheirDtsAsLibavformatWritesThem) {
  Plan p;
  p.pts_before_dts_every = 3;
  expect_same_bytes("h264_bframes", p);
}

TEST(FragmentMuxer, AudioThatComesEarlyAcrossAFragmentBoundaryAsLibavformatMovesIt) {
  Plan p;
  p.audio_early_every = 2;
  p.max_fragment_us = 400'000;
  expect_same_bytes("h264_aac", p);
}

TEST(FragmentMuxer, EmptyFramesAsLibavformatDropsThem) {
  const Clip c = read_clip("h264_aac");
  Plan p;
  // The first audio frame (it starts the audio timeline), and frames of both tracks after a break.
  for (size_t i = 0, audio = 0; i < c.frames.size(); ++i) {
    const bool is_video = c.frames[i].first.track == c.video()->track_id;
    if (!is_video && audio++ == 0) p.empty.push_back(i);
    if (i == 120 || i == 121 || i == 122 || i == 200) p.empty.push_back(i);
  }
  p.breaks = {119};
  p.hole_ns = kS;
  const Outputs o = write_both(c, p);
  EXPECT_TRUE(o.ours == o.judge) << first_difference(o.ours, o.judge);
}

TEST(FragmentMuxer, AKnownFirstDtsAndEncoderPrimingAsLibavformatWritesThem) {
  Plan p;
  p.known_first_dts = true;
  p.audio_priming = 1024;
  expect_same_bytes("h264_aac", p);
}

TEST(FragmentMuxer, ASegmentFileIsWrittenWithGatheredWritesToTheSameBytes) {
  const Clip c = read_clip("h264_aac");
  const Outputs o = write_both(c, {});
  TempDir d("fragfile");
  const auto path = d.path() / "seg.mp4";
  const auto& first = c.frames.front().first;
  SegmentWriterOptions so;
  so.first_composition_offset = first.pts - first.dts;
  auto w = SegmentWriter::create(path, *c.video(), c.audio(), so);
  int64_t fragments = 0;
  for (const auto& [h, data] : c.frames) fragments += w.write(h, std::as_bytes(std::span(data))).fragment_completed;
  const int64_t durable_before_finish = w.durable_bytes();
  w.finish();
  std::ifstream f(path, std::ios::binary);
  const std::string file((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(file == o.judge) << first_difference(file, o.judge);
  EXPECT_EQ(w.durable_bytes(), static_cast<int64_t>(file.size()));
  EXPECT_GE(fragments, 3);
  EXPECT_LT(durable_before_finish, w.durable_bytes());
}

// End to end: libx264 + AAC through the ring and the Recorder into a segment, judged by ffmpeg and ffprobe
// against the clip itself.
TEST(FragmentMuxer, ARecordedSegmentHoldsTheClipsPacketsWithTheirTimesDurationsAndFlags) {
  TempDir d("fragrec");
  FeedOptions fo;
  fo.inputs = {clip("h264_aac").string()};
  fo.backlog_ns = 60 * kS;
  fo.total_ns = 60 * kS;
  FedRing ring("fragrec", fo);
  RecorderOptions o;
  o.stream = ring.name();
  o.dir = d.path();
  o.timing.preroll_ns = 60 * kS;
  o.timing.postroll_ns = 0;
  o.timing.duration_ns = kS / 2;
  SystemClock clock;
  auto rec = Recorder::start(o, clock);
  const auto& sum = rec.run();
  auto cat = catalog::Catalog::open(d.path());
  const auto segs = cat.segments_of_recording(sum.recording_id);
  ASSERT_EQ(segs.size(), 1u);
  const auto seg = cat.absolute_path(segs[0]);

  // Every error the decoder reports, on stdout: none, and the exit status says so too.
  const auto decode = run_command(
      {"sh", "-c", "ffmpeg -nostdin -v error -xerror -i \"$0\" -map 0 -f null - 2>&1", seg.string()});
  EXPECT_EQ(decode.exit_code, 0) << decode.out;
  EXPECT_EQ(decode.out, "");

  // The judge: the clip as the ring carried it (Annex-B, the parameter sets in front of every keyframe, as the
  // feeder's h264_mp4toannexb puts them) stream-copied by the ffmpeg command into a fragmented MP4.
  const auto judge = d.path() / "judge.mp4";
  const auto made = run_command({"ffmpeg", "-nostdin", "-v", "error", "-i", clip("h264_aac").string(), "-map", "0",
                                 "-c", "copy", "-bsf:v", "h264_mp4toannexb", "-f", "mp4", "-movflags",
                                 "frag_keyframe+empty_moov", judge.string()});
  ASSERT_EQ(made.exit_code, 0);

  // Packet payloads: framemd5 of a stream copy, size and hash per packet, per stream.
  auto packets = [](const std::filesystem::path& f) {
    const auto r = run_command({"ffmpeg", "-nostdin", "-v", "error", "-i", f.string(), "-map", "0", "-c", "copy",
                                "-f", "framemd5", "-"});
    EXPECT_EQ(r.exit_code, 0);
    std::vector<std::string> out;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) {
      if (line.empty() || line[0] == '#') continue;
      std::vector<std::string> col;
      std::istringstream ls(line);
      for (std::string x; std::getline(ls, x, ',');) col.push_back(x.substr(x.find_first_not_of(' ')));
      if (col.size() == 6) out.push_back(col[0] + " " + col[4] + " " + col[5]);  // stream, size, hash
    }
    std::stable_sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) { return a[0] < b[0]; });
    return out;
  };
  const auto got = packets(seg), want = packets(judge);
  EXPECT_GT(got.size(), 300u);
  EXPECT_EQ(got, want);

  // Timestamps, durations and flags as ffprobe reads them, in seconds, per stream. The ffmpeg command shifts
  // its file to start decoding at 0; the segment's edit lists start presenting at 0 instead: the two differ by
  // the first frame's composition offset, for every packet of both streams — but the first audio packet: the
  // segment keeps it where the ring has it, the AAC encoder's priming (21.3 ms) ahead of the first video frame,
  // where the ffmpeg command (no edit list) moves it to 0 and lengthens it.
  auto probe = [](const std::filesystem::path& f) {
    const auto r = run_command({"ffprobe", "-v", "error", "-show_entries",
                                "packet=stream_index,pts_time,dts_time,duration_time,flags", "-of", "csv=p=0",
                                f.string()});
    EXPECT_EQ(r.exit_code, 0);
    std::vector<std::vector<std::string>> out;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) {
      std::vector<std::string> col;
      std::istringstream ls(line);
      for (std::string x; std::getline(ls, x, ',');) col.push_back(x);
      if (col.size() == 5) out.push_back(col);
    }
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a[0] < b[0]; });
    return out;
  };
  const auto pg = probe(seg), pw = probe(judge);
  ASSERT_EQ(pg.size(), pw.size());
  ASSERT_FALSE(pg.empty());
  EXPECT_GT(std::stod(pw[0][1]) - std::stod(pg[0][1]), 0.0);  // B-frames: presented after it is decoded
  const double shift = std::stod(pw[0][1]) - std::stod(pg[0][1]);
  for (size_t i = 0; i < pg.size(); ++i) {
    const bool first_audio = i > 0 && pg[i][0] != pg[i - 1][0];
    SCOPED_TRACE("packet " + std::to_string(i) + " of stream " + pg[i][0] + ": " + pg[i][1] + " " + pg[i][2] + " " +
                 pg[i][3] + " against " + pw[i][1] + " " + pw[i][2] + " " + pw[i][3]);
    EXPECT_EQ(pg[i][0], pw[i][0]);
    // Seconds within half a millisecond (the time bases differ: 1/15360 and 1/90000); ffprobe's "N/A" only
    // where the other file has one too.
    auto same = [](const std::string& a, const std::string& b, double a_shift) {
      if (a == "N/A" || b == "N/A") return a == b;
      return std::abs(std::stod(a) + a_shift - std::stod(b)) < 0.0005;
    };
    EXPECT_TRUE(first_audio || same(pg[i][1], pw[i][1], shift)) << "pts";
    EXPECT_TRUE(first_audio || same(pg[i][2], pw[i][2], shift)) << "dts";
    EXPECT_TRUE(same(pg[i][3], pw[i][3], 0)) << "duration";
    EXPECT_EQ(pg[i][4], pw[i][4]);                                           // K, _
  }
}
