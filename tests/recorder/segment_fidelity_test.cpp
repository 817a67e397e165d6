// What the recorder's segments hold compared with the source, for clips recorded whole: every frame with its
// duration (the last one included), exactly the source's NAL units in each sample (no parameter sets added),
// and the first frame at time zero also when B-frames delay its presentation (an edit list).
#include <zc/catalog/catalog.h>
#include <zc/recorder/recorder.h>

#include <gtest/gtest.h>

#include "recorder/support/record_fixture.h"

using namespace zc::catalog;
using namespace zc::recorder;
using namespace zc::test;

namespace {

constexpr int64_t kS = 1'000'000'000;

// Records all of `clip_name` (it is in the ring as backlog before the recorder starts) into one segment.
std::filesystem::path record_whole(const std::string& clip_name, const std::string& tag, const TempDir& d,
                                   SegmentRow* row = nullptr) {
  FeedOptions fo;
  fo.inputs = {clip(clip_name).string()};
  fo.backlog_ns = 60 * kS;  // the whole clip
  fo.total_ns = 60 * kS;
  FedRing ring(tag, fo);
  RecorderOptions o;
  o.stream = ring.name();
  o.dir = d.path();
  o.timing.preroll_ns = 60 * kS;  // back to the clip's first keyframe
  o.timing.postroll_ns = 0;
  o.timing.duration_ns = kS / 2;  // nothing more comes: ends half a second after the newest frame
  SystemClock clock;
  auto rec = Recorder::start(o, clock);
  const auto& sum = rec.run();
  auto c = Catalog::open(d.path());
  const auto segs = c.segments_of_recording(sum.recording_id);
  if (segs.size() != 1) throw std::runtime_error("expected one segment, got " + std::to_string(segs.size()));
  if (row != nullptr) *row = segs[0];
  return c.absolute_path(segs[0]);
}

// The video NAL units of a file in decode order: from the samples as stored (4-byte lengths) for MP4, split at
// start codes for a raw elementary stream.
std::vector<std::string> nal_units(const std::filesystem::path& file) {
  const auto r = run_command({"ffmpeg", "-nostdin", "-v", "error", "-i", file.string(), "-map", "0:v:0", "-c", "copy",
                              "-f", "rawvideo", "-"});
  EXPECT_EQ(r.exit_code, 0) << file;
  const std::string& b = r.out;
  std::vector<std::string> out;
  if (file.extension() == ".h264") {
    size_t at = b.find(std::string("\0\0\1", 3));
    while (at != std::string::npos) {
      const size_t begin = at + 3;
      const size_t next = b.find(std::string("\0\0\1", 3), begin);
      size_t end = next == std::string::npos ? b.size() : next;
      while (end > begin && b[end - 1] == '\0') --end;  // a 4-byte start code's leading zero
      out.push_back(b.substr(begin, end - begin));
      at = next;
    }
    return out;
  }
  for (size_t i = 0; i + 4 <= b.size();) {
    const auto* p = reinterpret_cast<const unsigned char*>(b.data() + i);
    const size_t n = size_t{p[0]} << 24 | size_t{p[1]} << 16 | size_t{p[2]} << 8 | p[3];
    out.push_back(b.substr(i + 4, n));
    i += 4 + n;
  }
  return out;
}

std::string first_frame_field(const std::filesystem::path& file, const std::string& field) {
  const auto r = run_command({"ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "frame=" + field,
                              "-read_intervals", "%+#1", "-of", "csv=p=0", file.string()});
  std::string out = r.out;
  while (!out.empty() && (out.back() == '\n' || out.back() == ',')) out.pop_back();
  return out;
}

double stream_duration(const std::filesystem::path& file) {
  const auto r = run_command({"ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=duration",
                              "-of", "csv=p=0", file.string()});
  return r.out.empty() ? 0.0 : std::stod(r.out);
}

}  // namespace

// 2 s of 25 fps: 50 frames, 2.000 s (last pts − first pts + one frame), with and without B-frames.
TEST(SegmentFidelity, EveryFrameIsKeptWithItsDurationTheLastOneToo) {
  for (const std::string name : {"h264_25fps", "h264_25fps_noB"}) {
    SCOPED_TRACE(name);
    TempDir d("fid");
    SegmentRow row;
    const auto seg = record_whole(name, "fid_last", d, &row);
    EXPECT_EQ(row.frames, 50);
    EXPECT_EQ(row.duration_90k, 180'000);
    EXPECT_EQ(frame_md5s(seg), frame_md5s(clip(name)));
    EXPECT_NEAR(stream_duration(seg), 2.0, 0.0005);
  }
}

// A B-frame stream's first frame is presented one reorder delay after it is decoded: the segment's edit list
// starts it at zero, as a stream copy by the ffmpeg command does.
TEST(SegmentFidelity, TheFirstFramePlaysAtTimeZeroWithBFrames) {
  TempDir d("fid");
  const auto seg = record_whole("h264_bframes", "fid_zero", d);
  EXPECT_EQ(first_frame_field(seg, "pts"), "0");
  EXPECT_EQ(first_frame_field(seg, "key_frame"), "1");
  EXPECT_EQ(frame_md5s(seg), frame_md5s(clip("h264_bframes")));
}

// Keyframes that carry their own VPS/SPS/PPS (and x265's SEI) next to an hvcC, and an H.264 elementary stream
// with SPS/PPS in front of every keyframe: the samples hold the source's NAL units, nothing twice.
TEST(SegmentFidelity, SamplesHoldExactlyTheSourcesNalUnits) {
  for (const std::string name : {"h265_inband", "h264_raw"}) {
    SCOPED_TRACE(name);
    TempDir d("fid");
    const auto seg = record_whole(name, "fid_nal", d);
    const auto got = nal_units(seg), want = nal_units(clip(name));
    EXPECT_EQ(got.size(), want.size());
    EXPECT_TRUE(got == want);
    EXPECT_EQ(frame_md5s(seg), frame_md5s(clip(name)));
  }
}
