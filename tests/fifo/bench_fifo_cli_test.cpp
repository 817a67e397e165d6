// `zcrec bench fifo` as a real process: one JSON object with every documented figure, usage errors exit 2.
// Only the shape is checked (all figures present and positive); timings are never asserted.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/child_process.h"

using namespace zc::test;
using namespace std::chrono_literals;

namespace {

int run_zcrec(const std::vector<std::string>& args, std::string* out = nullptr) {
  std::vector<std::string> argv{ZC_ZCREC_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  auto p = ChildProcess::spawn(argv);
  std::string text = p.read_rest(300s);
  auto st = p.wait(300s);
  if (out) *out = text;
  if (!st || !WIFEXITED(*st)) return -1;
  return WEXITSTATUS(*st);
}

}  // namespace

TEST(BenchFifoCli, JsonHasEveryFigure) {
  std::string out;
  ASSERT_EQ(run_zcrec({"bench", "fifo", "--json", "--frame-size", "16K", "--ring-size", "4M", "--wake-frames",
                       "200", "--preroll-frames", "10000"},
                      &out),
            0)
      << out;
  const auto j = nlohmann::json::parse(out);
  for (const char* key : {"memcpy_gbps", "writer_gbps", "writer_vs_memcpy", "reader_gbps", "reader_vs_memcpy",
                          "wake_p50_us", "wake_p99_us", "wake16_p99_us", "pipe_wake_p50_us", "preroll_lookup_us"}) {
    ASSERT_TRUE(j.contains(key)) << key;
    EXPECT_GT(j[key].get<double>(), 0.0) << key;
  }
  EXPECT_EQ(j["frame_size_bytes"].get<uint64_t>(), 16u * 1024);
  EXPECT_GE(j["preroll_frames_held"].get<uint64_t>(), 10000u);
  EXPECT_GE(j["preroll_keyframes_held"].get<uint64_t>(), 5000u);
}

TEST(BenchFifoCli, UsageErrorsExitWithTwo) {
  EXPECT_EQ(run_zcrec({"bench", "fifo", "--help"}), 0);
  EXPECT_EQ(run_zcrec({"bench", "fifo", "--frame-size", "lots"}), 2);
  EXPECT_EQ(run_zcrec({"bench", "fifo", "--frame-size", "0"}), 2);
  EXPECT_EQ(run_zcrec({"bench", "fifo", "--wake-frames", "5"}), 2);
  EXPECT_EQ(run_zcrec({"bench", "fifo", "--frame-size", "64M", "--ring-size", "64M"}), 1);  // over the frame limit
}
