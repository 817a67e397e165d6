// zcrecd's `zcrec feed` command line and its inverse: every spec survives build then parse, and a command line
// zcrecd did not build from the same spec is never taken for it (the adoption check after a daemon restart).
#include <zc/ingest/ingest_command.h>

#include <gtest/gtest.h>

#include <algorithm>

using namespace zc::ingest;

namespace {

IngestSpec base(std::string source) {
  IngestSpec s;
  s.zcrec = "/usr/bin/zcrec";
  s.source = std::move(source);
  s.ring = "zc_front";
  return s;
}

std::vector<IngestSpec> spec_table() {
  std::vector<IngestSpec> t;
  t.push_back(base("testsrc"));
  {
    IngestSpec s = base("testsrc");
    s.ring_size_bytes = 64ll << 20;
    s.testsrc.size = "640x360";
    s.testsrc.fps = 25;
    s.testsrc.gop_ms = 1000;
    s.testsrc.codec = "h265";
    s.testsrc.bitrate_bps = 1'000'000;
    s.testsrc.audio = true;
    t.push_back(s);
  }
  {
    IngestSpec s = base("rtsp://admin@cam:554/Streaming/Channels/101?transport=x&y=1");
    s.rtsp_transport = "udp";
    s.ring_size_bytes = 1 << 20;
    s.input_options = {"probesize=500000", "analyzeduration=0", "probesize=1"};  // order and repeats kept
    s.password = "p@ss word:with;odd=chars";
    t.push_back(s);
  }
  {
    IngestSpec s = base("/srv/cameras/my garage/clip with spaces.mp4");
    s.zcrec = "/opt/zcrec 1.2/bin/zcrec";
    s.loop = true;
    s.ring_size_bytes = 9'000'000'000;
    t.push_back(s);
  }
  {
    IngestSpec s = base("/run/bridge/camera.fifo");
    s.loop = true;
    s.input_options = {"f=h264"};
    t.push_back(s);
  }
  {
    IngestSpec s = base("-");  // stdin: a source that starts with '-'
    t.push_back(s);
  }
  {
    IngestSpec s = base("srt://h:9000?mode=caller");
    s.testsrc.fps = -1;  // nonsense feed would refuse, still carried exactly
    s.testsrc.gop_ms = 0;
    t.push_back(s);
  }
  return t;
}

bool adopted(const IngestSpec& ours, std::vector<std::string> cmdline, std::vector<std::string> environ = {}) {
  const auto seen = parse_ingest_command(cmdline, environ);
  return seen && *seen == ours;
}

}  // namespace

TEST(IngestCommand, EverySpecSurvivesBuildThenParse) {
  for (const IngestSpec& spec : spec_table()) {
    const auto argv = ingest_command(spec);
    const auto env = ingest_environment(spec);
    const auto back = parse_ingest_command(argv, env);
    ASSERT_TRUE(back) << spec.source;
    EXPECT_EQ(*back, spec) << spec.source;
  }
}

TEST(IngestCommand, ThePasswordGoesThroughTheEnvironmentNeverArgv) {
  IngestSpec spec = base("rtsp://admin@cam/s");
  spec.password = "s3cret";
  const auto argv = ingest_command(spec);
  for (const auto& a : argv) EXPECT_EQ(a.find("s3cret"), std::string::npos) << a;
  EXPECT_EQ(ingest_environment(spec), std::vector<std::string>{"ZCREC_SOURCE_PASSWORD=s3cret"});
  // Without the process's environment the password is unknown, so the spec differs: a changed password is
  // a different ingest.
  EXPECT_FALSE(adopted(spec, argv));
  EXPECT_FALSE(adopted(spec, argv, {"ZCREC_SOURCE_PASSWORD=old"}));
  EXPECT_TRUE(adopted(spec, argv, {"HOME=/root", "ZCREC_SOURCE_PASSWORD=s3cret"}));
  EXPECT_TRUE(ingest_environment(base("rtsp://cam/s")).empty());
}

TEST(IngestCommand, SplitPasswordMovesItOutOfTheUrl) {
  const auto s = split_password("rtsp://admin:p%40ss:w@rd@cam:554/s?a=b@c");
  EXPECT_EQ(s.url, "rtsp://admin@cam:554/s?a=b@c");
  EXPECT_EQ(s.password, "p@ss:w@rd");
  EXPECT_EQ(split_password("rtsp://admin@cam/s").url, "rtsp://admin@cam/s");
  EXPECT_EQ(split_password("rtsp://admin@cam/s").password, "");
  EXPECT_EQ(split_password("rtsp://cam/s?u=a:b@c").password, "");  // '@' after the authority
  EXPECT_EQ(split_password("/srv/a:b@c.mp4").url, "/srv/a:b@c.mp4");
  EXPECT_EQ(split_password("rtsp://u:100%zz@cam/s").password, "100%zz");  // a raw '%' stays
}

TEST(IngestCommand, AnyOtherCommandLineIsNotOurs) {
  IngestSpec spec = base("rtsp://cam/s");
  spec.rtsp_transport = "tcp";
  spec.ring_size_bytes = 64ll << 20;
  const auto ours = ingest_command(spec);
  ASSERT_TRUE(adopted(spec, ours));

  auto with = [&](size_t at, std::string value) {
    auto v = ours;
    v[at] = std::move(value);
    return v;
  };
  EXPECT_FALSE(adopted(spec, with(4, "zc_back")));             // another ring
  EXPECT_FALSE(adopted(spec, with(2, "rtsp://cam/other")));    // another source
  EXPECT_FALSE(adopted(spec, with(0, "/usr/local/bin/zcrec")));  // another zcrec
  EXPECT_FALSE(adopted(spec, with(1, "cat")));                 // another subcommand
  EXPECT_FALSE(adopted(spec, {"ffmpeg", "-rtsp_transport", "tcp", "-i", "rtsp://cam/s", "-c", "copy", "-f", "null",
                              "-"}));
  EXPECT_FALSE(adopted(spec, {}));
  EXPECT_FALSE(adopted(spec, {""}));
  EXPECT_FALSE(adopted(spec, {"\x01\xff", "feed", "\n", "--stream"}));
  EXPECT_FALSE(adopted(spec, {"/usr/bin/zcrec", "feed"}));
  // Options zcrecd does not write, written twice, or written differently.
  auto extra = ours;
  extra.push_back("--max-rate");
  EXPECT_FALSE(adopted(spec, extra));
  auto twice = ours;
  twice.insert(twice.end(), {"--rtsp-transport", "tcp"});
  EXPECT_FALSE(parse_ingest_command(twice));
  auto padded = ours;
  *std::find(padded.begin(), padded.end(), std::to_string(64ll << 20)) = "067108864";
  EXPECT_FALSE(parse_ingest_command(padded));
  auto dangling = ours;
  dangling.push_back("--input-option");
  EXPECT_FALSE(parse_ingest_command(dangling));
  EXPECT_FALSE(parse_ingest_command(std::vector<std::string>{"/usr/bin/zcrec", "feed", "rtsp://cam/s", "--ring-size",
                                                             "1048576"}));  // no --stream
  EXPECT_FALSE(parse_ingest_command(with(3, "-s")));  // feed takes -s, zcrecd never writes it
  // The same options in another order are the same spec.
  std::vector<std::string> reordered{ours[0], ours[1], ours[2], "--rtsp-transport", "tcp", "--ring-size",
                                     std::to_string(64ll << 20), "--stream", "zc_front"};
  EXPECT_TRUE(adopted(spec, reordered));
}
