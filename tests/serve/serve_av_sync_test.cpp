// AAC reaches a real RTSP client in sync with the video: a file (H.264 + an AAC chirp) played as a camera, served,
// copied by ffmpeg over RTSP/TCP into a NUT file (both tracks' timestamps kept in their own time bases). Judged by
// the method of tests/recorder/g711_test.cpp: which source picture a received picture is (decoded md5s) gives the
// source instant Tv; the received audio from that picture's presentation time on, correlated with the source's
// audio, gives the source instant Ta it holds. The chirp's frequency never repeats, so only one alignment matches.
#include "serve/serve_fixture.h"

#include <zc/fifo/ring_reader.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <span>
#include <sstream>
#include <thread>

namespace zc::test {
namespace {

using namespace std::chrono_literals;

// Both sides decoded at the track's own 48 kHz: every timestamp on the way (the source MP4's 1/48000, the RTP
// clock, the capture's 1/48000) is a whole sample there, so the best lag is exact. (At 8 kHz, as g711_test.cpp
// compares, a shift of a fraction of a sample costs the 2 kHz end of the chirp most of its correlation.)
constexpr int kRate = 48000;

// The first audio track decoded to mono at kRate, placed on the file's timeline: sample n is at n / kRate s.
std::vector<float> decoded_audio(const std::filesystem::path& file) {
  // -copyts: the file's own times (ffmpeg would otherwise move its earliest timestamp to zero).
  const auto r = run({kFfmpeg, "-nostdin", "-v", "error", "-copyts", "-i", file.string(), "-map", "0:a:0", "-af",
                      "aresample=async=1:first_pts=0", "-f", "s16le", "-ac", "1", "-ar", std::to_string(kRate), "-"});
  EXPECT_EQ(r.exit_code, 0) << file << ": " << r.err;
  return s16le_samples(r.out);
}

struct Picture {
  double pts_s = 0;  // on the file's timeline
  std::string md5;   // of the decoded picture
};

// Every decoded picture of the first video track, in presentation order (no B-frames here: decode order too).
std::vector<Picture> pictures(const std::filesystem::path& file) {
  const auto md5s = decoded_frame_md5s(file);
  const auto r = run({kFfprobe, "-v", "error", "-select_streams", "v:0", "-show_entries",
                      "frame=best_effort_timestamp_time", "-of", "csv=p=0", file.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<Picture> out;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back({std::stod(line), ""});
  EXPECT_EQ(out.size(), md5s.size()) << file << ": ffprobe and ffmpeg decoded different pictures";
  if (out.size() != md5s.size()) return {};
  for (size_t i = 0; i < out.size(); ++i) out[i].md5 = md5s[i];
  return out;
}

// Normalised correlation of got[0, length) with want[at, at + length), over every `step`th sample.
double correlation_at(const std::vector<float>& want, const std::vector<float>& got, int64_t at, int64_t length,
                      int64_t step = 1) {
  double ab = 0, aa = 0, bb = 0;
  for (int64_t i = 0; i < length; i += step) {
    const double a = want[static_cast<size_t>(at + i)], b = got[static_cast<size_t>(i)];
    ab += a * b;
    aa += a * a;
    bb += b * b;
  }
  return aa > 0 && bb > 0 ? ab / std::sqrt(aa * bb) : 0;
}

struct Match {
  int64_t lag = 0;  // samples: want[at + lag] is where got[0] matches best
  double correlation = -2;
};

// The best lag in ±max_lag: searched every 6th sample (8 kHz: the chirp stays under its 4 kHz Nyquist limit),
// then sample by sample around the best of those.
Match best_match(const std::vector<float>& want, const std::vector<float>& got, int64_t at, int64_t length,
                 int64_t max_lag) {
  constexpr int64_t kCoarse = 6;
  Match coarse, fine;
  for (int64_t l = -max_lag; l <= max_lag; l += kCoarse)
    if (const double c = correlation_at(want, got, at + l, length, kCoarse); c > coarse.correlation)
      coarse = {l, c};
  const int64_t from = std::max(-max_lag, coarse.lag - 2 * kCoarse), to = std::min(max_lag, coarse.lag + 2 * kCoarse);
  for (int64_t l = from; l <= to; ++l)
    if (const double c = correlation_at(want, got, at + l, length); c > fine.correlation) fine = {l, c};
  return fine;
}

TEST(ServeAvSync, AacReachesAnRtspClientInSyncWithTheVideo) {
  TempDir dir;
  // 8 s of testsrc (every picture differs) and a chirp whose frequency rises from 300 Hz to 2.7 kHz, AAC at
  // 48 kHz, in MP4 (its time bases keep every timestamp exact, unlike Matroska's milliseconds). A keyframe every
  // 8 pictures: 320 ms, exactly 15 AAC frames, so every keyframe has the same phase against the audio frames; the
  // audio input is delayed by half an AAC frame so that the first audio frame after any keyframe comes 10.7 ms
  // after it. A server that started each track's timeline at its own first frame (instead of one origin for all
  // tracks) would put the audio those 10.7 ms early at every join: the bound below must see that, so it is
  // tighter than one AAC frame.
  const auto source = dir / "source.mp4";
  const auto made = run({kFfmpeg, "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25",
                         "-itsoffset", "0.0106667", "-f", "lavfi", "-i", "aevalsrc=0.5*sin(2*PI*(300+150*t)*t):s=48000",
                         "-t", "8", "-c:v", "libx264", "-g", "8", "-keyint_min", "8", "-sc_threshold", "0", "-bf", "0",
                         "-c:a", "aac", source.string()});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  TestCamera camera("avsync", {"--loop"}, dir.path(), source.string());
  // Two keyframes in the ring: the server's window for a track being alive (two keyframe intervals) then surely
  // holds audio, and the client's SDP has it.
  const auto limit = std::chrono::steady_clock::now() + 120s;
  while (fifo::RingReader::inspect(camera.ring()).keyframes_held < 2) {
    ASSERT_LT(std::chrono::steady_clock::now(), limit) << camera.log();
    std::this_thread::sleep_for(20ms);
  }
  ServeProcess serve({}, {camera.ring()});

  // 7 s: past gst-rtsp-server's first RTCP sender reports (1.5-2.2 s after PLAY when looked at), from which on
  // ffmpeg places each track by the reports' NTP times instead of by the PLAY answer's RTP-Info: the windows
  // below fall on both sides of that. NUT keeps the RTP clocks' time bases (1/90000, 1/48000) as they are.
  const auto got = dir / "got.nut";
  std::vector<std::string> argv{kFfmpeg, "-nostdin", "-v", "error"};
  for (auto& a : ffmpeg_rtsp_input("tcp", serve.url(camera.ring()))) argv.push_back(a);
  for (const char* a : {"-map", "0:v", "-map", "0:a", "-c", "copy", "-t", "7"}) argv.emplace_back(a);
  argv.push_back(got.string());
  const auto r = run(argv);
  ASSERT_EQ(r.exit_code, 0) << r.err << serve.transcript();

  const auto want = decoded_audio(source), heard = decoded_audio(got);
  const auto src_pictures = pictures(source), got_pictures = pictures(got);
  ASSERT_GT(got_pictures.size(), 1u);
  ASSERT_GT(heard.size(), 5u * kRate) << "the client received little or no audio";

  // The window compared, and how far the source's audio is searched around Tv (±250 ms: a 100 ms slip is found,
  // and judged by the lag, not lost to a low correlation).
  const int64_t length = 3 * kRate / 2, max_lag = kRate / 4;
  // Bound on |Ta - Tv|: 5 ms (240 samples). The timestamps travel exactly (the file's ticks into the ring,
  // nanoseconds to the RTP clocks, the capture's RTP ticks), so what is left is rounding of well under 1 ms; a
  // track timed from its own first frame is 10.7 ms off here (above), and one AAC frame (21.3 ms; g711_test.cpp
  // allows one G.711 packet) would let that pass. 5 ms stays far below what a viewer notices (ITU-R BT.1359:
  // audio 45 ms early or 125 ms late).
  const int64_t bound = kRate / 200;
  // Anchors: received pictures whose window stays inside one pass over the file (the camera loops it; the
  // client joins wherever the newest keyframe was), with room for the search on both sides in the source and the
  // whole window in the received audio; windows that do not overlap. Not the very first picture: ffmpeg's RTP
  // demuxer hands it on with no pts (its parser joins the SPS, PPS and IDR that came as separate packets), and
  // the ffmpeg command then puts it at the capture's start, the first audio packet's time, up to one AAC frame
  // later than the RTP timestamp the server gave it (ffprobe on the RTSP URL shows pts N/A for that packet; the
  // server's RTP-Info and RTP timestamps place it right).
  int windows = 0;
  double worst_ms = 0, lowest = 1;
  int64_t next_from = 0;
  for (const auto& p : std::span(got_pictures).subspan(1)) {
    const auto at = std::find_if(src_pictures.begin(), src_pictures.end(),
                                 [&](const Picture& s) { return s.md5 == p.md5; });
    ASSERT_NE(at, src_pictures.end()) << "a received picture (pts " << p.pts_s << " s) is not in the source";
    const int64_t tv = std::llround(at->pts_s * kRate), from = std::llround(p.pts_s * kRate);
    if (from < next_from || tv - max_lag < 0 || tv + length + max_lag > static_cast<int64_t>(want.size()) ||
        from + length > static_cast<int64_t>(heard.size()))
      continue;
    next_from = from + length;
    ++windows;
    const std::vector<float> window(heard.begin() + from, heard.begin() + from + length);
    // lag = Ta - Tv in samples: > 0 when the audio the client plays with a picture is the source's from later.
    const auto [lag, best] = best_match(want, window, tv, length, max_lag);
    const double lag_ms = 1000.0 * static_cast<double>(lag) / kRate;
    std::printf("[ measure ] received picture at %.3f s = source picture at %.3f s (Tv): the 1.5 s of audio from "
                "it match the source's at Tv %+.3f ms (%lld samples at 48 kHz), correlation %.4f\n",
                p.pts_s, at->pts_s, lag_ms, static_cast<long long>(lag), best);
    worst_ms = std::max(worst_ms, std::abs(lag_ms));
    lowest = std::min(lowest, best);
    EXPECT_GE(best, 0.95) << "the received audio at " << p.pts_s << " s is not the source's chirp";
    EXPECT_LE(std::llabs(lag), bound) << "the client's audio at " << p.pts_s << " s is off the video by " << lag_ms
                                      << " ms";
  }
  // At least two: a 7 s capture of an 8 s loop leaves two whole windows in one pass wherever it starts.
  EXPECT_GE(windows, 2) << got_pictures.size() << " pictures received";
  RecordProperty("av_worst_lag_ms", std::to_string(worst_ms));
  RecordProperty("av_lowest_correlation", std::to_string(lowest));
}

}  // namespace
}  // namespace zc::test
