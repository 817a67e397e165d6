// G.711 audio (A-law and µ-law, as most low-cost cameras send it) is recorded as AAC: the MP4's audio decodes to
// the source's samples and stays in sync with the video. Judged by decoding both files with the ffmpeg command
// and correlating the waveforms (a chirp, so that only one alignment matches).
#include <zc/catalog/catalog.h>
#include <zc/recorder/recorder.h>

#include <gtest/gtest.h>

#include "recorder/support/record_fixture.h"

#include <cmath>
#include <cstdio>
#include <cstring>

using namespace zc::catalog;
using namespace zc::recorder;
using namespace zc::test;

namespace {

constexpr int64_t kS = 1'000'000'000;
constexpr int kRate = 8000;

// The first audio track decoded to 8 kHz mono, placed on the file's timeline (edit lists applied): sample 0 is at
// time 0.
std::vector<float> decoded_audio(const std::filesystem::path& file) {
  // -copyts: the file's own times (the ffmpeg command would otherwise move its earliest timestamp to zero).
  const auto r = run_command({"ffmpeg", "-nostdin", "-v", "error", "-copyts", "-i", file.string(), "-map", "0:a:0", "-af",
                              "aresample=async=1:first_pts=0", "-f", "s16le", "-ac", "1", "-ar",
                              std::to_string(kRate), "-"});
  EXPECT_EQ(r.exit_code, 0) << file;
  return s16le_samples(r.out);
}

// When the first video frame is presented, in samples.
int64_t first_video_sample(const std::filesystem::path& file) {
  const auto r = run_command({"ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                              "frame=best_effort_timestamp_time", "-read_intervals", "%+#1", "-of", "csv=p=0",
                              file.string()});
  return r.out.empty() ? -1 : std::llround(std::stod(r.out) * kRate);
}

struct Match {
  int64_t lag = 0;  // samples the recording is late against the source
  double correlation = 0;
};

// Normalised correlation of want[from, from + length) with got shifted by `lag`.
double correlation_at(const std::vector<float>& want, const std::vector<float>& got, int64_t lag, int64_t from,
                      int64_t length) {
  double ab = 0, aa = 0, bb = 0;
  for (int64_t i = from; i < from + length; ++i) {
    const double a = want[static_cast<size_t>(i)], b = got[static_cast<size_t>(i + lag)];
    ab += a * b;
    aa += a * a;
    bb += b * b;
  }
  return aa > 0 && bb > 0 ? ab / std::sqrt(aa * bb) : 0;
}

// Normalised correlation of `got` against `want` (both from the first video frame on) at the best lag in
// ±`max_lag`, over `length` samples.
Match best_match(const std::vector<float>& want, const std::vector<float>& got, int64_t max_lag, int64_t length) {
  Match best{0, -2};
  for (int64_t lag = -max_lag; lag <= max_lag; ++lag) {
    const double c = correlation_at(want, got, lag, max_lag, length);
    if (c > best.correlation) best = {lag, c};
  }
  return best;
}

}  // namespace

TEST(G711, AlawAndMulawAreRecordedAsAacThatMatchesTheSourceInSync) {
  for (const std::string name : {"h264_alaw", "h264_mulaw"}) {
    SCOPED_TRACE(name);
    TempDir d("g711");
    FeedOptions fo;
    fo.inputs = {clip(name).string()};
    fo.backlog_ns = 60 * kS;  // all 6 s
    fo.total_ns = 60 * kS;
    FedRing ring("g711", fo);
    RecorderOptions o;
    o.stream = ring.name();
    o.dir = d.path();
    o.timing.preroll_ns = 60 * kS;
    o.timing.postroll_ns = 0;
    o.timing.duration_ns = kS / 2;
    o.segment_ns = 3 * kS;  // two segments: the audio must survive a rotation too
    std::vector<std::string> warnings;
    o.on_warning = [&](const std::string& w) { warnings.push_back(w); };
    SystemClock clock;
    auto rec = Recorder::start(o, clock);
    const auto& sum = rec.run();
    EXPECT_TRUE(sum.skipped_tracks.empty());
    EXPECT_TRUE(warnings.empty()) << warnings.front();
    EXPECT_GT(sum.audio_frames, 0);

    auto c = Catalog::open(d.path());
    const auto segs = c.segments_of_recording(sum.recording_id);
    ASSERT_EQ(segs.size(), 2u);
    const auto source = clip(name);
    const auto want_all = decoded_audio(source);
    const int64_t source_video = first_video_sample(source);
    ASSERT_GE(source_video, 0);
    int64_t segment_start = 0;  // samples of the source before this segment's first frame
    for (const auto& s : segs) {
      const auto file = c.absolute_path(s);
      EXPECT_EQ(s.audio_codec, "aac");
      EXPECT_EQ(s.audio_sample_rate, kRate);
      const auto info = probe(file, false);
      ASSERT_EQ(info["streams"].size(), 2u) << s.path;
      EXPECT_EQ(info["streams"][1]["codec_name"], "aac");
      EXPECT_EQ(info["streams"][1]["profile"], "LC");
      EXPECT_EQ(frame_md5s(file).size(), static_cast<size_t>(s.frames));

      // Both from their first video frame on: the segment's audio must be the source's from the same instant.
      const auto got_all = decoded_audio(file);
      const int64_t got_video = first_video_sample(file);
      ASSERT_GE(got_video, 0);
      const std::vector<float> want(want_all.begin() + source_video + segment_start, want_all.end());
      const std::vector<float> got(got_all.begin() + got_video, got_all.end());
      const int64_t seconds = s.duration_90k / 90'000;
      ASSERT_GE(seconds, 2);
      const int64_t max_lag = kRate / 4;  // search ±250 ms
      const Match m = best_match(want, got, max_lag, (seconds - 1) * kRate);
      std::printf("%s: correlation %.4f at lag %lld samples\n", s.path.c_str(), m.correlation,
                  static_cast<long long>(m.lag));
      EXPECT_GE(m.correlation, 0.95) << s.path;
      // Within one 20 ms G.711 packet plus rounding: the encoder's delay is in the timestamps.
      EXPECT_LE(std::llabs(m.lag), kRate / 50 + 8) << s.path << " audio is off by " << m.lag << " samples";
      // No hole where the segment begins (a rotation must not lose the audio around it).
      EXPECT_GE(correlation_at(want, got, 0, 0, kRate / 4), 0.95) << s.path << ": its first 250 ms";
      segment_start += s.duration_90k * kRate / 90'000;
    }
  }
}
