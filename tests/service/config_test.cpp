// zcrecd's configuration parser on its own (service/src/config.cpp): what a valid file yields, and the
// regression the fuzz target found (under ASan: scripts/test --asan).
#include <zc/service/config.h>
#include <zc/units/units.h>

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

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
  EXPECT_EQ(c.cameras[1].testsrc.gop_ms, 2000);
  EXPECT_EQ(c.cameras[1].testsrc.bitrate_bps, 1'000'000);  // the default
}

// Sizes are binary (ring_size: 1M = 1048576 bytes), bit rates decimal (bitrate: 1M = 1000000 bit/s, as
// `zcrec feed --bitrate 1M` and every encoder count them). Before, `bitrate: 1M` was read as a size: 1048576.
TEST(ServiceConfig, BitRatesAreDecimalAndSizesBinary) {
  const auto c = parse_config(
      "storage: {dir: d}\ncameras:\n  a: {source: testsrc, ring_size: 1M, testsrc: {bitrate: 1M}}\n"
      "  b: {source: testsrc, testsrc: {bitrate: 500k}}\n  c: {source: testsrc, testsrc: {bitrate: 2500000}}\n",
      "t.yaml");
  EXPECT_EQ(c.cameras[0].ring_size_bytes, 1 << 20);
  EXPECT_EQ(c.cameras[0].testsrc.bitrate_bps, 1'000'000);
  EXPECT_EQ(c.cameras[1].testsrc.bitrate_bps, 500'000);
  EXPECT_EQ(c.cameras[2].testsrc.bitrate_bps, 2'500'000);
  EXPECT_THROW(parse_config("storage: {dir: d}\ncameras:\n  a: {source: testsrc, testsrc: {bitrate: fast}}\n", "t.yaml"),
               ConfigError);
}

// zc::units on its own: the one parser behind the CLI's options and these keys.
TEST(Units, BitRatesAreDecimalSizesBinaryDurationsReachDays) {
  EXPECT_EQ(units::parse_bitrate_bps("1M"), 1'000'000);
  EXPECT_EQ(units::parse_bitrate_bps("500k"), 500'000);
  EXPECT_EQ(units::parse_bitrate_bps("1.5Mbps"), 1'500'000);
  EXPECT_EQ(units::parse_bitrate_bps("4mb/s"), 4'000'000);
  EXPECT_EQ(units::parse_bitrate_bps("2000000"), 2'000'000);
  for (const char* bad : {"1MiB", "0", "-1M", "fast", "", "2T"}) EXPECT_THROW(units::parse_bitrate_bps(bad), units::UnitsError) << bad;
  EXPECT_EQ(units::parse_size_bytes("1M"), 1 << 20);
  EXPECT_EQ(units::parse_size_bytes("1K"), 1024);
  EXPECT_EQ(units::parse_duration_ns("1d"), 86'400'000'000'000);
  EXPECT_EQ(units::parse_duration_ns("0.02min"), 1'200'000'000);
}

// Found by the service_config fuzz target: every list item was read through a reference to a temporary node
// (stack-use-after-scope), so `input_options` read freed stack memory.
TEST(FuzzRegressions, ConfigListItemsAreNotReadThroughADanglingNode) {
  const auto c = parse_config("storage: {dir: d}\ncameras:\n  b:\n    source: rtsp://h/s\n    input_options: [a=b, c=d]\n",
                              "t.yaml");
  ASSERT_EQ(c.cameras.size(), 1u);
  EXPECT_EQ(c.cameras[0].input_options, (std::vector<std::string>{"a=b", "c=d"}));
  EXPECT_THROW(parse_config("storage: {dir: d}\ncameras:\n  b:\n    source: testsrc\n    input_options: [=b]\n", "t.yaml"),
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

// The error of a configuration whose only camera has `source`, or "" when it is accepted.
std::string source_error(const std::string& source, const std::filesystem::path& origin, int* line = nullptr,
                         std::string* key = nullptr) {
  try {
    parse_config("storage: {dir: d}\ncameras:\n  a:\n    source: \"" + source + "\"\n", origin);
    return "";
  } catch (const ConfigError& e) {
    if (line != nullptr) *line = e.line();
    if (key != nullptr) *key = e.key();
    return e.what();
  }
}

// --check-config accepted a URL missing its colon and a file that was not there; the ingest then failed and
// restarted forever. A source is testsrc, a URL of a known scheme with a host, or a file that exists.
TEST(ServiceConfig, ASourceIsAKnownUrlTestsrcOrAnExistingFile) {
  const auto dir = std::filesystem::temp_directory_path() / ("zc_cfg_src_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "clip.mp4") << "not really a clip";
  const auto origin = dir / "zcrecd.yaml";
  for (const char* bad : {"rtsp//host/x", "rtsp:/host/x", "nosuchfile.mp4", "/nonexistent/zc/clip.mp4",
                          "rtps://host/x", "rtsp://", "rtsp:///x", "rtsp://user@/x", "file:///nonexistent/zc.mp4",
                          "1tsp://host/x"}) {
    int line = 0;
    std::string key;
    const std::string what = source_error(bad, origin, &line, &key);
    EXPECT_FALSE(what.empty()) << bad << " was accepted";
    EXPECT_EQ(key, "cameras.a.source") << bad;
    EXPECT_EQ(line, 4) << bad;
  }
  EXPECT_NE(source_error("rtsp//host/x", origin).find("neither a URL (SCHEME://HOST/...), testsrc, nor an existing file"),
            std::string::npos);
  for (const char* good : {"testsrc", "rtsp://cam/1", "RTSP://admin@cam:554/s?x=1", "srt://h:9000", "udp://@:5000",
                           "clip.mp4"}) {
    EXPECT_EQ(source_error(good, origin), "") << good;
  }
  EXPECT_EQ(source_error((dir / "clip.mp4").string(), "elsewhere/zcrecd.yaml"), "");
  EXPECT_EQ(source_error("file://" + (dir / "clip.mp4").string(), origin), "");
  // A relative file is relative to the configuration file, as storage.dir is, and the daemon gets it resolved.
  const auto c = parse_config("storage: {dir: d}\ncameras:\n  a: {source: clip.mp4}\n", origin);
  EXPECT_EQ(c.cameras.at(0).source, (dir / "clip.mp4").string());
  std::filesystem::remove_all(dir);
}

// source: push (docs/serving.md, "Streams pushed in"): no ingest; it needs zcrecd's RTSP server, and one that
// listens beyond loopback needs credentials, or anyone could write the camera's footage.
TEST(ServiceConfig, APushedCameraNeedsTheRtspBlockAndCredentialsBeyondLoopback) {
  const std::string cams = "cameras:\n  door: {source: push, ring_size: 8M}\n";
  try {
    parse_config("storage: {dir: d}\n" + cams, "t.yaml");
    FAIL() << "a pushed camera without an rtsp: block was accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "cameras.door.source");
    EXPECT_NE(std::string(e.what()).find("push needs the rtsp: block"), std::string::npos) << e.what();
  }
  try {
    parse_config("storage: {dir: d}\nrtsp: {listen: 0.0.0.0:8554}\n" + cams, "t.yaml");
    FAIL() << "a camera pushed over the network without credentials was accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "rtsp.user");
  }
  const auto c = parse_config("storage: {dir: d}\nrtsp: {listen: 127.0.0.1:8554}\n" + cams, "t.yaml");
  ASSERT_EQ(c.cameras.size(), 1u);
  EXPECT_TRUE(c.cameras[0].pushed());
  EXPECT_EQ(c.cameras[0].source, "push");  // not a file path made absolute
  EXPECT_EQ(source_error("./push", "t.yaml").empty(), false) << "a file named push is a path, and must exist";
}

// rtsp.stall_timeout: the stuck-client bound of the RTSP server (docs/serving.md), 10 s unless set; 0 turns it off.
TEST(ServiceConfig, TheRtspStallTimeoutIsADurationOfAtLeastASecondOrZero) {
  EXPECT_EQ(parse_config("storage: {dir: d}\nrtsp: {listen: 127.0.0.1:8554}\ncameras: {}\n", "t.yaml").rtsp->stall_timeout_ns,
            10'000'000'000);
  EXPECT_EQ(parse_config("storage: {dir: d}\nrtsp: {stall_timeout: 30s}\ncameras: {}\n", "t.yaml").rtsp->stall_timeout_ns,
            30'000'000'000);
  EXPECT_EQ(parse_config("storage: {dir: d}\nrtsp: {stall_timeout: 0}\ncameras: {}\n", "t.yaml").rtsp->stall_timeout_ns, 0);
  for (const char* bad : {"10ms", "-1s", "soon"}) {
    try {
      parse_config(std::string("storage: {dir: d}\nrtsp: {stall_timeout: ") + bad + "}\ncameras: {}\n", "t.yaml");
      ADD_FAILURE() << bad << " was accepted";
    } catch (const ConfigError& e) {
      EXPECT_EQ(e.key(), "rtsp.stall_timeout") << bad;
    }
  }
}

TEST(ServiceConfig, TheRtspTcpPacketSizeIsBetween1400And65535Bytes) {
  EXPECT_EQ(parse_config("storage: {dir: d}\nrtsp: {listen: 127.0.0.1:8554}\ncameras: {}\n", "t.yaml").rtsp->tcp_packet_bytes,
            60'000);
  EXPECT_EQ(parse_config("storage: {dir: d}\nrtsp: {tcp_packet_bytes: 1400}\ncameras: {}\n", "t.yaml").rtsp->tcp_packet_bytes,
            1400);
  for (const char* bad : {"1399", "65536", "big"}) {
    try {
      parse_config(std::string("storage: {dir: d}\nrtsp: {tcp_packet_bytes: ") + bad + "}\ncameras: {}\n", "t.yaml");
      ADD_FAILURE() << bad << " was accepted";
    } catch (const ConfigError& e) {
      EXPECT_EQ(e.key(), "rtsp.tcp_packet_bytes") << bad;
    }
  }
}

}  // namespace
}  // namespace zc::service

namespace zc::service {
namespace {

std::string s3_error(const std::string& s3) {
  try {
    parse_config("storage: {dir: /srv/zc, s3: " + s3 + "}\ncameras: {}\n", "t.yaml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(accepted)";
}

// storage.s3 (docs/object-storage.md): keys from files or the environment, never in a message.
TEST(ServiceConfig, StorageS3TakesItsKeysFromFilesOrTheEnvironmentAndChecksTheRest) {
  const auto dir = std::filesystem::temp_directory_path() / ("zc_s3cfg_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "ak") << "AKIDFROMFILE\n";
  std::ofstream(dir / "sk") << "secret-from-file\n";
  const std::string files = ", access_key_file: " + (dir / "ak").string() + ", secret_key_file: " + (dir / "sk").string();
  const auto c = parse_config("storage: {dir: /srv/zc, s3: {endpoint: 'https://s3.example.net', bucket: footage, "
                              "region: eu-west-1, prefix: site-a/, local_max_age: 1d" + files + "}}\ncameras: {}\n",
                              "t.yaml");
  ASSERT_TRUE(c.s3);
  EXPECT_EQ(c.s3->endpoint, "https://s3.example.net");
  EXPECT_EQ(c.s3->bucket, "footage");
  EXPECT_EQ(c.s3->region, "eu-west-1");
  EXPECT_EQ(c.s3->prefix, "site-a/");
  EXPECT_EQ(c.s3->access_key, "AKIDFROMFILE");
  EXPECT_EQ(c.s3->secret_key, "secret-from-file");
  EXPECT_EQ(c.s3->local_max_age_ns, 86'400'000'000'000);

  ::setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", "secret-env", 1);
  const auto e = parse_config("storage: {dir: /srv/zc, s3: {endpoint: 'http://127.0.0.1:9000', bucket: footage}}\n"
                              "cameras: {}\n", "t.yaml");
  EXPECT_EQ(e.s3->access_key, "AKIDENV");
  EXPECT_EQ(e.s3->region, "us-east-1");
  EXPECT_EQ(e.s3->prefix, "");

  EXPECT_NE(s3_error("{endpoint: 'http://h', bucket: ok-name, colour: red}").find("storage.s3.colour: unknown key"),
            std::string::npos);
  EXPECT_NE(s3_error("{bucket: ok-name}").find("storage.s3.endpoint: required"), std::string::npos);
  EXPECT_NE(s3_error("{endpoint: 'http://h'}").find("storage.s3.bucket: required"), std::string::npos);
  EXPECT_NE(s3_error("{endpoint: 'h:9000', bucket: ok-name}").find("endpoint must be http"), std::string::npos);
  EXPECT_NE(s3_error("{endpoint: 'http://h', bucket: Bad_Name}").find("bucket name"), std::string::npos);
  EXPECT_NE(s3_error("{endpoint: 'http://h', bucket: ok-name, prefix: /abs}").find("storage.s3.prefix"),
            std::string::npos);
  EXPECT_NE(s3_error("{endpoint: 'http://h', bucket: ok-name, access_key_file: " + (dir / "ak").string() + "}")
                .find("go together"),
            std::string::npos);
  std::ofstream(dir / "empty") << "\n";
  const std::string empty = s3_error("{endpoint: 'http://h', bucket: ok-name, access_key_file: " + (dir / "ak").string() +
                                     ", secret_key_file: " + (dir / "empty").string() + "}");
  EXPECT_NE(empty.find("is empty"), std::string::npos) << empty;
  EXPECT_EQ(empty.find("AKIDFROMFILE"), std::string::npos) << "a key in a message";
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
  const std::string unset = s3_error("{endpoint: 'http://h', bucket: ok-name}");
  EXPECT_NE(unset.find("AWS_SECRET_ACCESS_KEY is not set"), std::string::npos) << unset;
  EXPECT_EQ(unset.find("AKIDENV"), std::string::npos);
  ::unsetenv("AWS_ACCESS_KEY_ID");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace zc::service

namespace zc::service {
namespace {

// Cluster cameras (docs/cluster.md, "Leases and epochs"): hosts and standby, the lease, each checked at load.
TEST(ServiceConfig, ClusterCamerasNameTheirHostsAndTheLeaseIsBounded) {
  const auto dir = std::filesystem::temp_directory_path() / ("zc_clustercfg_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "pg.url") << "postgresql://zcrec@127.0.0.1:5432/zc\n";
  const std::string block = "cluster: {host: nvr-b, postgres_url_file: " + (dir / "pg.url").string();
  const auto key_of = [](const std::string& yaml) -> std::string {
    try {
      parse_config(yaml, "t.yaml");
    } catch (const ConfigError& e) {
      return e.key() + ": " + e.what();
    }
    return "(accepted)";
  };
  const std::string cam = "cameras:\n  door: {source: testsrc, hosts: [nvr-a, nvr-b], standby: true}\n";
  const auto c = parse_config("storage: {dir: d}\n" + block + ", lease: 9s, api_url: \"http://10.0.0.2:8190\", "
                              "capacity: 40}\n" + cam, "t.yaml");
  EXPECT_EQ(c.cameras.at(0).hosts, (std::vector<std::string>{"nvr-a", "nvr-b"}));
  EXPECT_TRUE(c.cameras.at(0).standby);
  EXPECT_EQ(c.cluster->lease_ns, 9'000'000'000);
  EXPECT_EQ(c.cluster->api_url, "http://10.0.0.2:8190");
  EXPECT_EQ(c.cluster->capacity, 40);

  EXPECT_EQ(key_of("storage: {dir: d}\n" + cam).substr(0, 19), "cameras.door.hosts:") << "hosts need the cluster block";
  const std::string with = "storage: {dir: d}\n" + block + "}\n";
  EXPECT_EQ(key_of(with + "cameras:\n  door: {source: testsrc, hosts: [a, a]}\n").substr(0, 21), "cameras.door.hosts.1:");
  EXPECT_EQ(key_of(with + "cameras:\n  door: {source: testsrc, hosts: []}\n").substr(0, 19), "cameras.door.hosts:");
  EXPECT_EQ(key_of(with + "cameras:\n  door: {source: testsrc, hosts: nvr-a}\n").substr(0, 19), "cameras.door.hosts:");
  EXPECT_EQ(key_of(with + "cameras:\n  door: {source: testsrc, standby: true}\n").substr(0, 13), "cameras.door:");
  EXPECT_EQ(key_of("storage: {dir: d}\n" + block + ", lease: 500ms}\ncameras: {}\n").substr(0, 14), "cluster.lease:");
  EXPECT_EQ(key_of("storage: {dir: d}\n" + block + ", api_url: \"http://h:1/x\"}\ncameras: {}\n").substr(0, 16),
            "cluster.api_url:");
  EXPECT_EQ(key_of("storage: {dir: d}\n" + block + ", capacity: 0}\ncameras: {}\n").substr(0, 17), "cluster.capacity:");

  // The connection string may come from the environment instead of a file (a systemd EnvironmentFile=).
  const std::string no_file = "storage: {dir: d}\ncluster: {host: nvr-b}\ncameras: {}\n";
  ::unsetenv("ZCREC_POSTGRES_URL");
  EXPECT_NE(key_of(no_file).find("$ZCREC_POSTGRES_URL"), std::string::npos) << key_of(no_file);
  ::setenv("ZCREC_POSTGRES_URL", "postgresql://zcrec:secret@db/zc", 1);
  EXPECT_EQ(parse_config(no_file, "t.yaml").cluster->conninfo, "postgresql://zcrec:secret@db/zc");

  // The three-host example (docs/cluster.md, "Operations") is valid as written, its /etc/zcrec files aside.
  std::ifstream in(ZC_CLUSTER_EXAMPLE);
  std::string example((std::istreambuf_iterator<char>(in)), {});
  ASSERT_FALSE(example.empty());
  for (const char* f : {"s3.access", "s3.secret", "token"}) std::ofstream(dir / f) << "0123456789abcdef0123\n";
  for (size_t at; (at = example.find("/etc/zcrec/")) != std::string::npos;) example.replace(at, 11, dir.string() + "/");
  const auto ex = parse_config(example, ZC_CLUSTER_EXAMPLE);
  ::unsetenv("ZCREC_POSTGRES_URL");
  EXPECT_EQ(ex.cluster->host, "nvr-a");
  ASSERT_EQ(ex.cameras.size(), 3u);
  EXPECT_EQ(ex.cameras[0].hosts, (std::vector<std::string>{"nvr-a", "nvr-b", "nvr-c"}));
  EXPECT_TRUE(ex.cameras[0].standby);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace zc::service
