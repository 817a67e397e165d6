// zcrecd's configuration parser on its own (service/src/config.cpp): what a valid file yields, and the
// regression the fuzz target found (under ASan: scripts/test --asan).
#include <zc/service/config.h>

#include <gtest/gtest.h>

namespace zc::service {
namespace {

TEST(ServiceConfig, ValuesTakeTheCliUnitsAndCamerasInheritTheGlobalRetention) {
  const auto c = parse_config(R"(storage: {dir: /srv/zc, segment: 2m}
api: {listen: "0.0.0.0:9000", token: "0123456789abcdef"}
retention: {max_age: 7d, min_free: 1G}
cameras:
  front:
    source: rtsp://cam/1
    transport: udp
    ring_size: 128M
    input_options: [probesize=500000, "rtsp_flags=prefer_tcp"]
    record: {continuous: true, events: {preroll: 2.5s, postroll: 500ms, max_length: 1h}}
    retention: {quota: 50G}
  back: {source: testsrc, testsrc: {size: 320x240, fps: 10, gop: 2s}, record: {events: off}}
)",
                              "t.yaml");
  EXPECT_EQ(c.storage_dir, "/srv/zc");
  EXPECT_EQ(c.segment_ns, 120'000'000'000);
  ASSERT_EQ(c.cameras.size(), 2u);
  const auto& f = c.cameras[0];
  EXPECT_EQ(f.name, "front");
  EXPECT_EQ(f.rtsp_transport, "udp");
  EXPECT_EQ(f.ring_size_bytes, 128ll << 20);
  EXPECT_EQ(f.input_options, (std::vector<std::string>{"probesize=500000", "rtsp_flags=prefer_tcp"}));
  EXPECT_TRUE(f.continuous);
  EXPECT_EQ(f.events.preroll_ns, 2'500'000'000);
  EXPECT_EQ(f.events.postroll_ns, 500'000'000);
  EXPECT_EQ(f.events.max_length_ns, 3'600'000'000'000);
  const auto r = c.retention_for(f);
  EXPECT_EQ(r.quota_bytes, 50ll << 30);
  EXPECT_EQ(r.max_age_ns, 7ll * 86400 * 1'000'000'000);
  EXPECT_EQ(r.min_free_bytes, 1ll << 30);
  EXPECT_FALSE(c.cameras[1].events.enabled);
  EXPECT_EQ(c.cameras[1].testsrc.gop, "2000ms");
}

// Found by the service_config fuzz target: every list item was read through a reference to a temporary node
// (stack-use-after-scope), so `input_options` read freed stack memory.
TEST(FuzzRegressions, ConfigListItemsAreNotReadThroughADanglingNode) {
  const auto c = parse_config("storage: {dir: d}\ncameras:\n  b:\n    source: rtsp://h/s\n    input_options: [a=b, c=d]\n",
                              "t.yaml");
  ASSERT_EQ(c.cameras.size(), 1u);
  EXPECT_EQ(c.cameras[0].input_options, (std::vector<std::string>{"a=b", "c=d"}));
  EXPECT_THROW(parse_config("storage: {dir: d}\ncameras:\n  b:\n    source: x\n    input_options: [=b]\n", "t.yaml"),
               ConfigError);
}

// Found by the service_config fuzz target: a repeated key (two `cameras:` mappings) was read twice, so one
// camera name could name two cameras (and two ingest processes fighting over one ring).
TEST(FuzzRegressions, ARepeatedKeyIsAnErrorNotReadTwice) {
  try {
    parse_config("storage: {dir: d}\ncameras:\n  a: {source: testsrc}\ncameras:\n  a: {source: testsrc}\n", "t.yaml");
    FAIL() << "a repeated key was accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "cameras");
    EXPECT_EQ(e.line(), 4);
    EXPECT_NE(std::string(e.what()).find("given twice"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace zc::service
