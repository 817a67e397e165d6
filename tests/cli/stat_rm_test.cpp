// `zcrec stat --json` describes a ring with the fields NVR tooling needs; `zcrec rm` removes a stream but
// protects a live writer.
#include "cli/media_fixtures.h"
#include "support/test_support.h"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

namespace zc::test {
namespace {

using namespace std::chrono_literals;

TEST(Stat, JsonDescribesAFedRing) {
  TempDir dir;
  ScopedStream stream("stat");
  encode({.seconds = 2, .gop = 30}, dir / "in.h264");
  const auto fed = zcrec({"feed", (dir / "in.h264").string(), "--stream", stream.name(), "--ring-size", "1M",
                          "--max-rate"});
  ASSERT_EQ(fed.exit_code, 0) << fed.err;
  const auto r = zcrec({"stat", stream.name(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["name"], stream.name());
  EXPECT_EQ(j["kind"], "live_ring");
  EXPECT_EQ(j["capacity_bytes"].get<uint64_t>(), 1u << 20);
  // 60 frames and the end-of-stream mark feed writes when the file is over (an empty record).
  EXPECT_EQ(j["frames_held"].get<uint64_t>(), 61u);
  EXPECT_EQ(j["keyframes_held"].get<uint64_t>(), 2u);
  EXPECT_GT(j["bytes_held"].get<uint64_t>(), read_file(dir / "in.h264").size());
  EXPECT_GE(j["seconds_held"].get<double>(), 0.0);
  EXPECT_EQ(j["frames_written"].get<uint64_t>(), 61u);
  EXPECT_EQ(j["payload_bytes_written"].get<uint64_t>(), read_file(dir / "in.h264").size());
  EXPECT_EQ(j["readers_attached"].get<int>(), 0);
  EXPECT_FALSE(j["writer"]["alive"].get<bool>());
  EXPECT_GT(j["writer"]["pid"].get<int>(), 0);
  EXPECT_EQ(j["writer"]["takeover_count"].get<int>(), 0);
  EXPECT_EQ(j["source"]["url"], (dir / "in.h264").string());
  EXPECT_EQ(j["source"]["state"], "ended") << "feed read the file to its end";
  EXPECT_EQ(j["source"]["clock"], "arrival");
  ASSERT_TRUE(j["write_rate"].contains("frames_per_s"));
  EXPECT_EQ(j["stream_info"]["generation"].get<int>(), 1);
  const auto& t = j["stream_info"]["tracks"].at(0);
  EXPECT_EQ(t["codec"], "h264");
  EXPECT_EQ(t["kind"], "video");
  EXPECT_EQ(t["width"].get<int>(), 320);
  EXPECT_EQ(t["height"].get<int>(), 240);
  EXPECT_GT(t["config_bytes"].get<int>(), 8);

  const auto text = zcrec({"stat", stream.name()});
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("h264 320x240"), std::string::npos) << text.out;
}

TEST(Rm, RemovesAStreamButNotUnderALiveWriter) {
  TempDir dir;
  ScopedStream stream("rm");
  Background feed({kZcrec, "feed", "testsrc", "--stream", stream.name(), "--size", "160x120"}, dir / "feed.log");
  bool up = false;
  for (int i = 0; i < 200 && !up; ++i) {
    up = zcrec({"stat", stream.name(), "--interval", "0"}).exit_code == 0;
    if (!up) std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(up) << read_file(dir / "feed.log");
  const auto refused = zcrec({"rm", stream.name()});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("live writer"), std::string::npos) << refused.err;
  EXPECT_EQ(zcrec({"stat", stream.name(), "--interval", "0"}).exit_code, 0);

  ASSERT_EQ(feed.stop(SIGINT, 5s), 0);
  const auto removed = zcrec({"rm", stream.name()});
  EXPECT_EQ(removed.exit_code, 0) << removed.err;
  EXPECT_EQ(zcrec({"stat", stream.name()}).exit_code, 1);
}

}  // namespace
}  // namespace zc::test
