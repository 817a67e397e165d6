// `zcrec feed` on a stream with one keyframe larger than the ring accepts (a camera's keyframe spike): the
// frame is dropped, counted in the ring (`zcrec stat`) and reported, readers see a discontinuity, and feeding
// resumes at the next keyframe that fits. A file of nothing but oversized frames is still an error.
// Real libx264 output from the ffmpeg command; the ring is read back with the real reader.
#include "cli/media_fixtures.h"
#include "support/test_support.h"

#include <zc/fifo/ring_reader.h>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <sstream>

namespace zc::test {
namespace {

// The per-frame limit is a quarter of the data area minus the 64-byte record header (docs/shm-format.md).
constexpr size_t kRingBytes = 128 * 1024;
constexpr size_t kLimit = kRingBytes / 4 - 64;

struct SourcePacket {
  size_t size = 0;
  bool key = false;
};

// 2.4 s of 320x240 25 fps H.264, GOP 10, keyframes only every 10 frames; frames listed in `noisy` (an ffmpeg
// expression in n) carry heavy noise, which makes them several times larger than the others.
std::vector<SourcePacket> encode_with_noise(const std::filesystem::path& out, const std::string& noisy,
                                            double seconds) {
  const auto r = run({"ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25",
                      "-t", std::to_string(seconds), "-vf", "noise=alls=100:allf=t+u:enable='" + noisy + "'",
                      "-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", "10", "-bf", "0", "-x264-params", "scenecut=0",
                      "-f", "h264", out.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto p = run({"ffprobe", "-v", "error", "-show_entries", "packet=size,flags", "-of", "csv=p=0", out.string()});
  std::vector<SourcePacket> packets;
  std::istringstream in(p.out);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto comma = line.find(',');
    packets.push_back({std::stoul(line.substr(0, comma)), line.find('K', comma) != std::string::npos});
  }
  return packets;
}

TEST(FeedOversized, KeyframeSpikeIsDroppedCountedAndFeedingResumesAtTheNextKeyframeThatFits) {
  TempDir dir;
  ScopedStream stream("oversized");
  const auto src = encode_with_noise(dir / "spike.h264", "eq(n,30)", 2.4);
  ASSERT_EQ(src.size(), 60u);
  ASSERT_TRUE(src[30].key);
  ASSERT_GT(src[30].size, kLimit) << "the noisy keyframe must not fit the ring";
  // What the ring must hold: everything but the spike and the frames up to the next keyframe that fits.
  std::vector<size_t> expected;
  size_t oversized = 0;
  bool skipping = false;
  for (const auto& p : src) {
    if (p.size > kLimit) ++oversized, skipping = true;
    else if (skipping && p.key) skipping = false;
    if (!skipping) expected.push_back(p.size);
  }
  ASSERT_EQ(oversized, 1u);
  ASSERT_EQ(expected.size(), 50u);

  const auto fed = zcrec({"feed", (dir / "spike.h264").string(), "--stream", stream.name(), "--ring-size", "128K",
                          "--max-rate"});
  ASSERT_EQ(fed.exit_code, 0) << fed.err;
  EXPECT_NE(fed.err.find("dropped a frame of " + std::to_string(src[30].size) + " bytes"), std::string::npos)
      << fed.err;

  const auto stat = zcrec({"stat", stream.name(), "--json"});
  ASSERT_EQ(stat.exit_code, 0) << stat.err;
  const auto j = nlohmann::json::parse(stat.out);
  EXPECT_EQ(j["oversized_frames"].get<uint64_t>(), oversized);
  EXPECT_EQ(j["frames_dropped"].get<uint64_t>(), src.size() - expected.size());
  EXPECT_EQ(j["frames_written"].get<uint64_t>(), expected.size() + 1) << "the frames and the end-of-stream mark";
  const auto text = zcrec({"stat", stream.name()});
  EXPECT_NE(text.out.find("dropped        10 frames, 1 of them larger"), std::string::npos) << text.out;

  // A reader sees every frame that fits, the frame after the gap flagged as a discontinuity, nothing else flagged.
  auto reader = fifo::RingReader::open(stream.name(), {.start = fifo::StartAt::oldest_keyframe});
  fifo::Frame f;
  std::vector<size_t> got;
  std::vector<size_t> flagged;
  while (reader.try_read(f) == fifo::ReadStatus::frame) {
    if (f.header.flags & fifo::frame_flag::discontinuity) flagged.push_back(got.size());
    got.push_back(f.payload.size());
  }
  EXPECT_EQ(got, expected);
  EXPECT_EQ(flagged, std::vector<size_t>{30});
  EXPECT_EQ(reader.frames_lost(), 0u);
}

TEST(FeedOversized, FileOfNothingButOversizedFramesIsAnError) {
  TempDir dir;
  ScopedStream stream("oversized_all");
  const auto src = encode_with_noise(dir / "noise.h264", "1", 0.4);
  ASSERT_FALSE(src.empty());
  for (const auto& p : src) ASSERT_GT(p.size, 64u * 1024 / 4 - 64) << "every frame must exceed a 64K ring's limit";
  const auto fed = zcrec({"feed", (dir / "noise.h264").string(), "--stream", stream.name(), "--ring-size", "64K",
                          "--max-rate", "--loop"});
  EXPECT_EQ(fed.exit_code, 1) << fed.err;
  EXPECT_NE(fed.err.find("every frame of"), std::string::npos) << fed.err;
  const auto stat = zcrec({"stat", stream.name(), "--json"});
  ASSERT_EQ(stat.exit_code, 0) << stat.err;
  EXPECT_EQ(nlohmann::json::parse(stat.out)["oversized_frames"].get<uint64_t>(), src.size());
}

}  // namespace
}  // namespace zc::test
