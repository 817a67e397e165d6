// The cluster catalog in a real PostgreSQL 15 (issue 22, docs/cluster.md): a zcrecd host's local catalog is
// published by `zcrec cluster publish`; the cluster's rows equal the local catalog's row by row, a publish of an
// unchanged catalog writes nothing, and a PostgreSQL outage costs nothing: recording goes on locally and the
// publisher catches up by itself when the server is back. psql is the judge of what the server holds.
#include "cli/cli_process.h"
#include "postgres_server.h"
#include "zcrecd_process.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <signal.h>

#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>

namespace zc::test {
namespace {

using namespace std::chrono_literals;

const std::string kCamera =
    "  yard:\n    source: testsrc\n    testsrc: {size: 320x240, fps: 25, gop: 1s, bitrate: 300k}\n"
    "    ring_size: 8M\n    record: {continuous: true}\n";

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

size_t complete_segments(ZcrecdProcess& d) {
  size_t n = 0;
  for (const auto& s : d.catalog().segments(d.ring("yard"))) n += s.state == "complete";
  return n;
}

// The local catalog's rows in the shape of the psql queries below ("|"-separated, one per line, by local id).
std::string local_segments(ZcrecdProcess& d) {
  std::ostringstream out;
  for (const auto& s : d.catalog().all_segments())
    out << s.id << "|yard|" << s.path << "|" << s.start_wall_ns << "|" << s.end_wall_ns << "|" << s.frames << "|"
        << s.size_bytes << "|" << s.state << "|" << s.end_reason << "\n";
  return out.str();
}
std::string local_recordings(ZcrecdProcess& d) {
  std::ostringstream out;
  for (const auto& r : d.catalog().recordings())
    out << r.id << "|yard|" << r.kind << "|" << r.start_wall_ns.value_or(0) << "|" << r.end_wall_ns.value_or(0) << "|"
        << r.state << "|" << r.end_reason << "\n";
  return out.str();
}
std::string local_events(ZcrecdProcess& d) {
  std::ostringstream out;
  for (const auto& e : d.catalog().events())
    out << e.id << "|yard|" << e.label << "|" << e.start_wall_ns << "|" << e.end_wall_ns.value_or(0) << "|" << e.state
        << "\n";
  return out.str();
}

TEST(Cluster, PublishMirrorsTheLocalCatalogRowByRowAndCatchesUpAfterAPostgresOutage) {
  PostgresServer pg;
  TempDir dir;
  ZcrecdProcess d(dir.path(), kCamera);  // 4 s segments
  d.start();
  const std::string prefix = d.ring("yard").substr(0, d.ring("yard").size() - 4);
  const auto url_file = dir.path() / "pg.url";
  std::ofstream(url_file) << pg.url() << "\n";
  const auto log = dir.path() / "publish.log";
  // stdout and stderr into one log (Background keeps only stderr).
  Background publisher({"sh", "-c",
                        "exec " + std::string(ZCREC_BIN) + " cluster publish --dir " + d.storage_dir().string() +
                            " --host h1 --ring-prefix " + prefix + " --every 0.5s --postgres-url-file " +
                            url_file.string() + " >> " + log.string() + " 2>&1"},
                       dir.path() / "sh.err");
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return complete_segments(d) >= 2; }, 60s));
  ASSERT_EQ(d.post("/api/v1/cameras/yard/events", {{"label", "before"}, {"duration", 1}}).status, 201);
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return count(read_file(log), "published h1") >= 2; }, 30s)) << read_file(log);

  // The outage: the publisher retries; zcrecd records on and takes an event.
  pg.stop();
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return count(read_file(log), "retrying in") >= 1; }, 30s)) << read_file(log);
  const size_t before_outage = complete_segments(d);
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return complete_segments(d) >= before_outage + 2; }, 60s));
  ASSERT_EQ(d.post("/api/v1/cameras/yard/events", {{"label", "during"}, {"duration", 1}}).status, 201);
  const size_t published_before = count(read_file(log), "published h1");
  pg.start();
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return count(read_file(log), "published h1") > published_before; }, 30s))
      << read_file(log);

  // The host stops; one more publish after that, and the cluster holds exactly what the local catalog holds.
  d.kill(SIGTERM);
  ASSERT_TRUE(d.wait(30s));
  const size_t published_at_stop = count(read_file(log), "published h1");
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return count(read_file(log), "published h1") >= published_at_stop + 2; }, 30s));
  EXPECT_EQ(publisher.stop(SIGTERM, 20s), 0) << read_file(log);
  EXPECT_TRUE(publisher.running() == false);

  const std::string segments = pg.query(
      "SELECT local_id, stream, path, start_wall_ns, end_wall_ns, frames, size_bytes, state, end_reason FROM segment "
      "WHERE host = 'h1' ORDER BY local_id");
  EXPECT_EQ(segments, local_segments(d));
  EXPECT_GE(count(segments, "\n"), 4u);
  EXPECT_EQ(pg.query("SELECT local_id, stream, kind, coalesce(start_wall_ns, 0), coalesce(end_wall_ns, 0), state, "
                     "coalesce(end_reason, '') FROM recording WHERE host = 'h1' ORDER BY local_id"),
            local_recordings(d));
  const std::string events = pg.query(
      "SELECT local_id, stream, label, start_wall_ns, coalesce(end_wall_ns, 0), state FROM event WHERE host = 'h1' "
      "ORDER BY local_id");
  EXPECT_EQ(events, local_events(d));
  EXPECT_NE(events.find("|during|"), std::string::npos) << "the event posted during the outage";

  // Idempotent: publishing the same catalog again writes nothing.
  const auto again = run({ZCREC_BIN, "cluster", "publish", "--dir", d.storage_dir().string(), "--host", "h1",
                          "--ring-prefix", prefix, "--once", "--postgres-url-file", url_file.string()});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("0 rows written, 0 removed"), std::string::npos) << again.out;

  // Retention deletes footage locally: the next full publish removes those rows from the cluster too.
  const auto pruned = run({ZCREC_BIN, "prune", "--dir", d.storage_dir().string(), "--quota", "1"});
  ASSERT_EQ(pruned.exit_code, 0) << pruned.err;
  const auto after_prune = run({ZCREC_BIN, "cluster", "publish", "--dir", d.storage_dir().string(), "--host", "h1",
                                "--ring-prefix", prefix, "--once", "--postgres-url-file", url_file.string()});
  EXPECT_EQ(after_prune.exit_code, 0) << after_prune.err;
  EXPECT_EQ(after_prune.out.find(" 0 removed"), std::string::npos) << after_prune.out;
  EXPECT_EQ(pg.query("SELECT local_id, stream, path, start_wall_ns, end_wall_ns, frames, size_bytes, state, end_reason "
                     "FROM segment WHERE host = 'h1' ORDER BY local_id"),
            local_segments(d));

  const auto status = run({ZCREC_BIN, "cluster", "status", "--postgres-url-file", url_file.string()});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("h1"), std::string::npos) << status.out;
  EXPECT_EQ(status.out.find(pg.url()), std::string::npos) << "the connection string is never printed";
  EXPECT_EQ(read_file(log).find(pg.url()), std::string::npos) << "nor logged";

  // A server that is not there: --once fails fast with a clear error, exit 1.
  pg.stop();
  const auto down = run({ZCREC_BIN, "cluster", "publish", "--dir", d.storage_dir().string(), "--host", "h1", "--once",
                         "--postgres-url-file", url_file.string()});
  EXPECT_EQ(down.exit_code, 1);
  EXPECT_NE(down.err.find("cannot connect to PostgreSQL"), std::string::npos) << down.err;
}

// zcrecd publishes by itself with a `cluster:` block: its rows appear in PostgreSQL while it records, its health
// and metrics say how publishing goes, and a wrong host name in the block is a load error.
TEST(Cluster, ZcrecdWithAClusterBlockPublishesItsCatalogWhileItRecords) {
  PostgresServer pg;
  TempDir dir;
  const auto url_file = dir.path() / "pg.url";
  std::ofstream(url_file) << pg.url() << "\n";
  const std::string block = "cluster: {host: nvr-a, postgres_url_file: " + url_file.string() + ", every: 500ms}\n";
  ZcrecdProcess d(dir.path(), kCamera, block);
  d.start();
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return complete_segments(d) >= 1; }, 60s));
  ASSERT_EQ(d.post("/api/v1/cameras/yard/events", {{"label", "car"}, {"duration", 1}}).status, 201);
  // The event's row reaches the cluster catalog within a few publishes.
  ASSERT_TRUE(ZcrecdProcess::eventually(
      [&] { return pg.query("SELECT count(*) FROM event WHERE host = 'nvr-a' AND label = 'car'") == "1\n"; }, 20s));
  EXPECT_EQ(pg.query("SELECT DISTINCT stream FROM segment WHERE host = 'nvr-a'"), "yard\n") << "by camera name";
  const auto health = d.get("/api/v1/health");
  ASSERT_EQ(health.status, 200);
  EXPECT_GE(health.body["cluster"]["publishes"].get<int64_t>(), 1) << health.body.dump();
  EXPECT_TRUE(health.body["cluster"]["last_error"].is_null()) << health.body.dump();
  d.kill(SIGTERM);
  ASSERT_TRUE(d.wait(30s));

  const auto bad = dir.path() / "bad.yaml";
  std::ofstream(bad) << "storage: {dir: " << (dir.path() / "s2").string() << "}\ncluster: {postgres_url_file: "
                     << url_file.string() << "}\ncameras:\n" << kCamera;
  const auto r = run({ZCRECD_BIN, "--check-config", bad.string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE((r.out + r.err).find("cluster"), std::string::npos) << r.out << r.err;
  EXPECT_NE((r.out + r.err).find("host"), std::string::npos) << r.out << r.err;
  EXPECT_EQ((r.out + r.err).find(pg.url()), std::string::npos) << "the connection string is never printed";
}

// Two hosts, one cluster: each zcrecd publishes its own camera, and the API of either lists both cameras and
// serves the other host's footage list from PostgreSQL. Without PostgreSQL the routes answer 503, without a
// cluster: block 404.
TEST(Cluster, AnyHostsApiListsEveryCameraOfTheCluster) {
  PostgresServer pg;
  TempDir dir_a, dir_b, dir_c;
  const auto url_file = dir_a.path() / "pg.url";
  std::ofstream(url_file) << pg.url() << "\n";
  const auto block = [&](const std::string& host, int port) {
    return "cluster: {host: " + host + ", postgres_url_file: " + url_file.string() +
           ", every: 500ms, api_url: http://127.0.0.1:" + std::to_string(port) + "}\n";
  };
  const auto cam = [](const std::string& name) {
    return "  " + name + ":\n    source: testsrc\n    testsrc: {size: 320x240, fps: 25, gop: 1s, bitrate: 300k}\n" +
           "    ring_size: 8M\n    record: {continuous: true}\n";
  };
  ZcrecdProcess a(dir_a.path(), cam("gate")), b(dir_b.path(), cam("dock"));
  a.rewrite_config(cam("gate"), block("nvr-a", a.port()));
  b.rewrite_config(cam("dock"), block("nvr-b", b.port()));
  a.start();
  b.start();
  const auto cameras_on_a = [&] {
    const auto r = a.get("/api/v1/cluster/cameras");
    return r.status == 200 ? r.body["items"] : nlohmann::json();
  };
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return cameras_on_a().size() == 2; }, 60s)) << cameras_on_a().dump();
  const auto items = cameras_on_a();
  EXPECT_EQ(items[0]["camera"], "dock");
  EXPECT_EQ(items[0]["host"], "nvr-b");
  EXPECT_EQ(items[1]["camera"], "gate");
  EXPECT_EQ(items[1]["host"], "nvr-a");

  const auto footage = a.get("/api/v1/cluster/cameras/dock/footage?from=-10m");
  ASSERT_EQ(footage.status, 200) << footage.body.dump();
  ASSERT_FALSE(footage.body["items"].empty());
  for (const auto& f : footage.body["items"]) EXPECT_EQ(f["host"], "nvr-b") << f.dump();
  EXPECT_EQ(a.get("/api/v1/cluster/cameras/dock/footage?from=now&to=-1h").status, 400);

  // Each host's page (headless Chromium) lists both hosts' cameras, and both clip links play there: the host's own
  // camera from its disk, the other's fetched from the host that recorded it (no S3 in this test: with S3,
  // cluster_lease_test.cpp), through GET /api/v1/segments/{id}.mp4. Once both have published a fragment of
  // footage (a segment's row is published at its first fragment's length).
  ASSERT_TRUE(ZcrecdProcess::eventually(
      [&] { return pg.query("SELECT count(DISTINCT stream) FROM segment WHERE keyframes > 0") == "2\n"; }, 30s));
  for (ZcrecdProcess* host : {&a, &b}) {
    const std::filesystem::path artifacts = ZC_TEST_ARTIFACTS;
    std::filesystem::create_directories(artifacts);
    const auto r = run({"/usr/bin/python3", ZC_WEB_DRIVER, "--url", "http://127.0.0.1:" + std::to_string(host->port()) + "/",
                        "--log", (dir_a.path() / "unused.log").string(), "--screenshot",
                        (artifacts / (host == &a ? "web_cluster_a.png" : "web_cluster_b.png")).string(), "--cluster",
                        "dock:nvr-b,gate:nvr-a", "--cluster-play", "gate,dock"});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err << pg.query("SELECT host, stream, state, frames, keyframes, start_wall_ns, end_wall_ns FROM segment");
  }
  EXPECT_EQ(a.get("/api/v1/cluster/cameras?x=1").status, 400);

  // A host's segment as recorded, byte for byte (what another host's cluster clip fetches).
  {
    const auto seg = b.catalog().segments(b.ring("dock")).at(0);
    httplib::Client http("127.0.0.1", b.port());
    const auto r = http.Get("/api/v1/segments/" + std::to_string(seg.id) + ".mp4");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    std::ifstream in(b.storage_dir() / seg.path, std::ios::binary);
    const std::string file((std::istreambuf_iterator<char>(in)), {});
    const auto durable = b.catalog().segment(seg.id)->size_bytes;
    EXPECT_GE(static_cast<int64_t>(r->body.size()), seg.size_bytes);
    EXPECT_LE(static_cast<int64_t>(r->body.size()), durable);
    EXPECT_EQ(r->body, file.substr(0, r->body.size())) << "not the file's bytes";
    EXPECT_EQ(http.Get("/api/v1/segments/999999.mp4")->status, 404);
    EXPECT_EQ(http.Get("/api/v1/segments/x.mp4")->status, 400);
  }

  ZcrecdProcess c(dir_c.path(), cam("yard"));  // no cluster: block
  c.start();
  EXPECT_EQ(c.get("/api/v1/cluster/cameras").status, 404);

  pg.stop();
  EXPECT_EQ(a.get("/api/v1/cluster/cameras").status, 503);
  EXPECT_EQ(a.camera("gate")["recording_state"], "continuous") << "recording does not notice";
}

}  // namespace
}  // namespace zc::test
