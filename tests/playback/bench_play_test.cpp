// `zcrec bench play --json` runs end to end and reports every figure (values are not judged: timing is noise here).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "playback/media_tools.h"

TEST(BenchPlay, ReportsFifoAndReplayRatiosAsJson) {
  std::string out;
  ASSERT_EQ(zc::test::run({ZCREC_BIN, "bench", "play", "--json", "--seconds", "2", "--bytes", "16M", "--rounds", "1"},
                          &out),
            0);
  const auto j = nlohmann::json::parse(out);
  for (const char* key : {"fifo_vs_handoff", "handoff_bytes_per_s", "copying_reader_vs_handoff", "fifo_vs_memcpy",
                          "fifo_bytes_per_s", "memcpy_bytes_per_s", "replay_frames_per_s",
                          "ffmpeg_frames_per_s", "ratio"})
    EXPECT_GT(j.at(key).get<double>(), 0.0) << key;
  EXPECT_EQ(j.at("replay_frames").get<int>(), 60);  // 2 s at 30 fps, every frame replayed
}
