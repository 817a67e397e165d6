// Camera leases and failover in the cluster (issue 22, docs/cluster.md "Leases and epochs", "Failover"), against a
// real PostgreSQL 15 and real zcrecd hosts on this machine (own storage, ring prefixes, ports): one holder per
// camera, a takeover raises the epoch, a SIGKILLed host's cameras are recorded by the next host in their list
// with one hole, a SIGSTOPped host's late footage is never current, and a database outage stops nobody.
#include "postgres_server.h"
#include "support/s3rver.h"
#include "cli/cli_process.h"
#include "zcrecd_process.h"

#include <zc/cluster/cluster_reader.h>
#include <zc/cluster/lease.h>
#include <zc/cluster/migrations.h>

#include <gtest/gtest.h>
#include <httplib.h>

#include <signal.h>

#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

namespace zc::test {
namespace {

using namespace std::chrono_literals;
constexpr int64_t kSec = 1'000'000'000;

int64_t wall_now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A synthetic camera recorded continuously, listed for `hosts` in that order.
std::string cluster_camera(const std::string& name, const std::string& hosts, bool standby) {
  return "  " + name + ":\n    source: testsrc\n    testsrc: {size: 320x240, fps: 25, gop: 1s, bitrate: 300k}\n" +
         "    ring_size: 8M\n    record: {continuous: true}\n    hosts: [" + hosts + "]\n" +
         (standby ? "    standby: true\n" : "");
}

// Lease 3 s (renewed every second), publishes every 500 ms.
std::string cluster_block(const std::string& host, const std::filesystem::path& url_file, int api_port) {
  return "cluster: {host: " + host + ", postgres_url_file: " + url_file.string() +
         ", every: 500ms, lease: 3s, api_url: http://127.0.0.1:" + std::to_string(api_port) + "}\n";
}

bool holds(ZcrecdProcess& d, const std::string& camera) {
  const auto c = d.camera(camera);
  return c.contains("lease") && c["lease"]["held"] == true && c["recording_state"] == "continuous";
}

// The holes (> 50 ms) and overlaps (> 1 ms) between consecutive current footage rows of a camera.
struct Timeline {
  std::vector<cluster::ClusterSegment> rows;
  std::vector<std::pair<int64_t, int64_t>> holes;  // (start, length)
  int64_t overlaps = 0;
};
Timeline timeline(const std::string& url, const std::string& camera, int64_t from, int64_t to) {
  auto pg = cluster::PgConnection::connect(url);
  Timeline t;
  t.rows = cluster::cluster_segments(pg, camera, from, to);
  for (size_t i = 1; i < t.rows.size(); ++i) {
    const int64_t prev_end = t.rows[i - 1].current_end_wall_ns, start = t.rows[i].start_wall_ns;
    if (start - prev_end > 50'000'000) t.holes.push_back({prev_end, start - prev_end});
    if (prev_end - start > 1'000'000) ++t.overlaps;
  }
  return t;
}

std::string describe(const Timeline& t) {
  std::ostringstream out;
  for (const auto& r : t.rows)
    out << r.host << " #" << r.local_id << " epoch " << (r.lease_epoch ? std::to_string(*r.lease_epoch) : "-") << " "
        << r.start_wall_ns / 1'000'000 << ".." << r.current_end_wall_ns / 1'000'000 << " (" << r.state << ")\n";
  return out.str();
}

TEST(Cluster, ALeaseHasOneHolderATakeoverRaisesTheEpochAndOlderEpochsStopBeingCurrent) {
  PostgresServer server;
  auto pg = cluster::PgConnection::connect(server.url());
  cluster::migrate(pg);
  cluster::announce_host(pg, "a", "http://127.0.0.1:1", 1);
  cluster::announce_host(pg, "b", "", 1);

  auto a = cluster::claim_lease(pg, "door", "a", 60 * kSec, true);
  EXPECT_TRUE(a.held && a.taken_over);
  EXPECT_EQ(a.epoch, 1);
  EXPECT_EQ(cluster::claim_lease(pg, "door", "b", 60 * kSec, true).holder, "a") << "held: nobody else gets it";
  EXPECT_FALSE(cluster::claim_lease(pg, "door", "b", 60 * kSec, true).held);
  a = cluster::claim_lease(pg, "door", "a", 60 * kSec, true);
  EXPECT_TRUE(a.held);
  EXPECT_FALSE(a.taken_over) << "a renewal is no takeover";
  EXPECT_EQ(a.epoch, 1);
  EXPECT_FALSE(cluster::claim_lease(pg, "gate", "b", 60 * kSec, false).held) << "may_take false never takes";

  // Footage of epoch 1 up to 300 s, published by a.
  const auto seg = [&](const std::string& host, int id, int64_t start_s, int64_t end_s, int64_t epoch) {
    server.query("INSERT INTO segment (host, local_id, recording_local_id, stream, ordinal, path, start_wall_ns, "
                 "end_wall_ns, start_pts_90k, duration_90k, frames, keyframes, size_bytes, video_codec, width, height, "
                 "audio_codec, state, end_reason, lease_epoch) VALUES ('" + host + "', " + std::to_string(id) +
                 ", 1, 'door', 0, 'p', " + std::to_string(start_s * kSec) + ", " + std::to_string(end_s * kSec) +
                 ", 0, 0, 1, 1, 1, 'h264', 2, 2, '', 'complete', 'duration', " + std::to_string(epoch) + ")");
  };
  seg("a", 1, 100, 200, 1);
  seg("a", 2, 200, 300, 1);

  // a stops cleanly: b takes the camera at once, from the end of a's footage.
  cluster::release_lease(pg, "door", "a");
  const auto b = cluster::claim_lease(pg, "door", "b", 60 * kSec, true);
  EXPECT_TRUE(b.held && b.taken_over);
  EXPECT_EQ(b.epoch, 2);
  EXPECT_EQ(b.from_wall_ns, 300 * kSec);
  a = cluster::claim_lease(pg, "door", "a", 60 * kSec, true);
  EXPECT_FALSE(a.held);
  EXPECT_EQ(a.holder, "b");
  EXPECT_EQ(a.epoch, 2);

  // a recorded on after it lost the camera (it was stopped, cut off): its late rows keep epoch 1.
  seg("a", 3, 250, 350, 1);  // runs across b's start: current up to 300 s
  seg("a", 4, 350, 450, 1);  // wholly after: never current
  seg("b", 1, 301, 400, 2);
  const auto rows = cluster::cluster_segments(pg, "door", 0, 1000 * kSec);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].host + std::to_string(rows[0].local_id), "a1");
  EXPECT_EQ(rows[1].host + std::to_string(rows[1].local_id), "a2");
  EXPECT_EQ(rows[2].host + std::to_string(rows[2].local_id), "a3");
  EXPECT_EQ(rows[2].current_end_wall_ns, 300 * kSec) << "cut where epoch 2 begins";
  EXPECT_EQ(rows[2].end_wall_ns, 350 * kSec);
  EXPECT_EQ(rows[3].host + std::to_string(rows[3].local_id), "b1");
  EXPECT_EQ(rows[3].lease_epoch, 2);
  EXPECT_EQ(cluster::cluster_leases(pg).at(0).holder, "b");

  // b's lease lapses (1 ms): a takes it back, epoch 3, from the end of the newest footage (b's and a's late rows).
  cluster::claim_lease(pg, "door", "b", 1'000'000, true);
  std::optional<cluster::LeaseAnswer> again;
  ASSERT_TRUE(ZcrecdProcess::eventually(
      [&] {
        again = cluster::claim_lease(pg, "door", "a", 60 * kSec, true);
        return again->held;
      },
      10s));
  EXPECT_EQ(again->epoch, 3);
  EXPECT_EQ(again->from_wall_ns, 450 * kSec);
  EXPECT_EQ(server.query("SELECT string_agg(epoch || ':' || host, ',' ORDER BY epoch) FROM camera_epoch"),
            "1:a,2:b,3:a\n");
}

// Three hosts; camera door prefers a then b (standby: b's ring fills all along), yard prefers a then c (no
// standby: c opens the camera at the takeover). a and its ingest processes are SIGKILLed.
TEST(Cluster, ASigkilledHostsCamerasAreRecordedByTheNextHostsWithOneHoleAndNothingTwice) {
  PostgresServer pg;
  TempDir da, db, dc;
  const auto url_file = da.path() / "pg.url";
  std::ofstream(url_file) << pg.url() << "\n";
  const std::string cams = cluster_camera("door", "h-a, h-b, h-c", true) + cluster_camera("yard", "h-a, h-c, h-b", false);
  ZcrecdProcess a(da.path(), cams), b(db.path(), cams), c(dc.path(), cams);
  a.rewrite_config(cams, cluster_block("h-a", url_file, a.port()));
  b.rewrite_config(cams, cluster_block("h-b", url_file, b.port()));
  c.rewrite_config(cams, cluster_block("h-c", url_file, c.port()));
  a.log_to(da.path() / "zcrecd.log");
  b.log_to(db.path() / "zcrecd.log");
  c.log_to(dc.path() / "zcrecd.log");
  a.start();
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return holds(a, "door") && holds(a, "yard"); }, 30s))
      << a.camera("door").dump() << read_file(da.path() / "zcrecd.log");
  b.start();
  c.start();
  // b runs door's ingest as its standby; nothing of yard runs on b or c.
  ASSERT_TRUE(ZcrecdProcess::eventually(
      [&] { return b.camera("door")["recording_state"] == "standby" && b.camera("door")["ingest_state"] == "streaming"; },
      30s))
      << b.camera("door").dump();
  EXPECT_EQ(c.camera("yard")["ingest_state"], "elsewhere");
  EXPECT_EQ(c.camera("yard")["lease"]["holder"], "h-a");
  EXPECT_TRUE(c.ingest_pids("yard").empty());
  // a has published a few seconds of both.
  ASSERT_TRUE(ZcrecdProcess::eventually(
      [&] {
        const auto t = timeline(pg.url(), "yard", 0, INT64_MAX);
        return !t.rows.empty() && t.rows.back().end_wall_ns - t.rows.front().start_wall_ns > 6 * kSec;
      },
      30s));

  // An event posted to c (which runs nothing of door) goes to door's holder, a, which records it with its pre-roll.
  const auto routed = c.post("/api/v1/cameras/door/events", {{"label", "routed"}, {"duration", "1s"}});
  ASSERT_EQ(routed.status, 201) << routed.body.dump();
  const int64_t routed_id = routed.body["id"].get<int64_t>();
  const auto on_a = a.catalog().event(routed_id);
  ASSERT_TRUE(on_a) << "the event is a's";
  EXPECT_EQ(on_a->label, "routed");
  EXPECT_EQ(on_a->stream_name, a.ring("door"));
  const auto not_on_c = c.catalog().event(routed_id);
  EXPECT_FALSE(not_on_c && not_on_c->label == "routed");

  const int64_t killed = wall_now();
  a.kill(SIGKILL);
  for (const auto& [pid, ring] : a.ingest_processes()) ::kill(pid, SIGKILL);
  a.wait(5s);
  // An event posted right after the kill to b, which does not hold door yet: its holder (a) does not answer, so
  // b takes it as door's standby, with its pre-roll in b's ring.
  const auto ev = b.post("/api/v1/cameras/door/events", {{"label", "after-kill"}, {"preroll", "5s"}, {"duration", "1s"}});
  ASSERT_EQ(ev.status, 201) << ev.body.dump();

  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return holds(b, "door") && holds(c, "yard"); }, 30s))
      << b.camera("door").dump() << c.camera("yard").dump() << read_file(db.path() / "zcrecd.log");
  EXPECT_EQ(b.camera("door")["lease"]["epoch"], 2);
  {
    httplib::Client http("127.0.0.1", b.port());
    const auto m = http.Get("/metrics");
    ASSERT_TRUE(m);
    EXPECT_NE(m->body.find("zcrec_camera_lease_held{camera=\"door\"} 1"), std::string::npos) << m->body;
    EXPECT_NE(m->body.find("zcrec_camera_lease_epoch{camera=\"door\"} 2"), std::string::npos);
    EXPECT_NE(m->body.find("zcrec_camera_lease_held{camera=\"yard\"} 0"), std::string::npos);
  }
  {
    // The operator's view: who holds each camera, under which epoch.
    const auto status = run({ZCREC_BIN, "cluster", "status", "--postgres-url-file", url_file.string()});
    EXPECT_EQ(status.exit_code, 0) << status.err;
    std::istringstream lines(status.out);
    std::map<std::string, std::string> lease_lines;
    for (std::string line; std::getline(lines, line);)
      if (line.rfind("door ", 0) == 0 || line.rfind("yard ", 0) == 0) lease_lines[line.substr(0, 4)] = line;
    EXPECT_NE(lease_lines["door"].find("h-b"), std::string::npos) << status.out;
    EXPECT_NE(lease_lines["door"].find(" 2 "), std::string::npos) << status.out;
    EXPECT_NE(lease_lines["yard"].find("h-c"), std::string::npos) << status.out;
    EXPECT_NE(status.out.find("UPLOADS"), std::string::npos) << status.out;
  }
  EXPECT_EQ(c.camera("yard")["lease"]["epoch"], 2);
  EXPECT_FALSE(c.camera("door").contains("lease") && c.camera("door")["lease"]["held"] == true);
  // Both new holders have published footage well past the kill.
  const auto past_kill = [&](const std::string& cam) {
    const auto t = timeline(pg.url(), cam, 0, INT64_MAX);
    return !t.rows.empty() && t.rows.back().current_end_wall_ns > killed + 10 * kSec;
  };
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return past_kill("door") && past_kill("yard"); }, 40s));

  for (const std::string cam : {"door", "yard"}) {
    const auto t = timeline(pg.url(), cam, killed - 30 * kSec, killed + 10 * kSec);
    SCOPED_TRACE(cam + ":\n" + describe(t));
    EXPECT_EQ(t.overlaps, 0) << "a frame recorded twice";
    ASSERT_EQ(t.holes.size(), 1u) << "one hole, at the failover";
    const double hole_s = static_cast<double>(t.holes[0].second) / 1e9;
    std::printf("[ measured ] %s: hole of %.2f s at the failover (lease 3 s, GOP 1 s)\n", cam.c_str(), hole_s);
    RecordProperty(cam + "_hole_ms", std::to_string(t.holes[0].second / 1'000'000));
    for (const auto& r : t.rows) {
      const bool before = r.start_wall_ns < t.holes[0].first;
      EXPECT_EQ(r.host, before ? "h-a" : (cam == "door" ? "h-b" : "h-c")) << "the next host in the camera's list";
      EXPECT_EQ(r.lease_epoch, before ? 1 : 2);
    }
    if (cam == "door") {
      // The standby's ring held what a had not published: the hole is what a recorded but never published
      // (its last fragment and publish interval), not the detection time.
      EXPECT_LE(t.holes[0].second, 3 * kSec);
    } else {
      // Without a standby: detection (the lease, 3 s; c's place, 2 renewals; its next round, 1 s) plus opening
      // the camera and its first keyframe (GOP 1 s).
      EXPECT_LE(t.holes[0].second, 3 * kSec + 2 * kSec + 1 * kSec + 3 * kSec);
    }
  }
  // The event's pre-roll: the cluster holds door's footage from 5 s before it, but for the hole.
  const auto event = b.catalog().event(ev.body["id"].get<int64_t>());
  ASSERT_TRUE(event);
  const auto t = timeline(pg.url(), "door", event->start_wall_ns - 5 * kSec, event->start_wall_ns + kSec);
  ASSERT_FALSE(t.rows.empty());
  EXPECT_LE(t.rows.front().start_wall_ns, event->start_wall_ns - 5 * kSec) << describe(t);
  int64_t covered = 0;
  for (const auto& r : t.rows)
    covered += std::min(r.current_end_wall_ns, event->start_wall_ns) -
               std::max(r.start_wall_ns, event->start_wall_ns - 5 * kSec);
  EXPECT_GE(covered, 2 * kSec) << "5 s of pre-roll less a hole of at most 3 s\n" << describe(t);
}

// Host a is stopped (SIGSTOP) for four leases; b takes the camera. When a runs again it stops recording at once;
// whatever it wrote after b's start keeps epoch 1 and is never current.
TEST(Cluster, ASigstoppedHostStopsAtItsLeasesEndAndItsLateFootageIsNeverCurrent) {
  PostgresServer pg;
  TempDir da, db;
  const auto url_file = da.path() / "pg.url";
  std::ofstream(url_file) << pg.url() << "\n";
  const std::string cams = cluster_camera("gate", "h-a, h-b", false);
  ZcrecdProcess a(da.path(), cams), b(db.path(), cams);
  a.rewrite_config(cams, cluster_block("h-a", url_file, a.port()));
  b.rewrite_config(cams, cluster_block("h-b", url_file, b.port()));
  a.log_to(da.path() / "zcrecd.log");
  a.start();
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return holds(a, "gate"); }, 30s)) << a.camera("gate").dump();
  b.start();
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return !timeline(pg.url(), "gate", 0, INT64_MAX).rows.empty(); }, 30s));

  a.kill(SIGSTOP);  // its ingest process runs on: the ring fills while the daemon sleeps
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return holds(b, "gate"); }, 30s)) << b.camera("gate").dump();
  const int64_t from = std::stoll(pg.query("SELECT from_wall_ns FROM camera_epoch WHERE camera = 'gate' AND epoch = 2"));
  // Four leases in all, so that a's ring holds much footage of after b's start when a wakes up.
  std::this_thread::sleep_for(9s);
  a.kill(SIGCONT);
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return a.camera("gate")["ingest_state"] == "elsewhere"; }, 20s))
      << a.camera("gate").dump();
  // Its lease keeper learns who holds the camera now at its next round.
  EXPECT_TRUE(ZcrecdProcess::eventually([&] { return a.camera("gate")["lease"]["holder"] == "h-b"; }, 10s))
      << a.camera("gate").dump();
  EXPECT_FALSE(a.camera("gate")["lease"]["held"]);
  EXPECT_NE(read_file(da.path() / "zcrecd.log").find("no longer holds its lease"), std::string::npos);
  // a published what it wrote on waking; none of it after b's start is current.
  ASSERT_TRUE(ZcrecdProcess::eventually(
      [&] { return pg.query("SELECT count(*) FROM segment WHERE host = 'h-a' AND state = 'writing'") == "0\n"; }, 20s));
  const auto t = timeline(pg.url(), "gate", 0, INT64_MAX);
  EXPECT_EQ(t.overlaps, 0) << describe(t);
  for (const auto& r : t.rows) {
    if (r.host == "h-a") {
      EXPECT_LT(r.start_wall_ns, from) << describe(t);
      EXPECT_LE(r.current_end_wall_ns, from) << describe(t);
      EXPECT_EQ(r.lease_epoch, 1);
    } else {
      EXPECT_EQ(r.lease_epoch, 2);
    }
  }
  const auto late = pg.query("SELECT count(*) FROM segment WHERE host = 'h-a' AND end_wall_ns > " + std::to_string(from));
  std::printf("[ measured ] rows of h-a reaching past epoch 2's start: %s", late.c_str());
  // Nothing corrupted on either side: every local segment decodes.
  for (ZcrecdProcess* d : {&a, &b})
    for (const auto& s : d->catalog().segments(d->ring("gate"))) {
      const auto r = run({"ffmpeg", "-v", "error", "-i", (d->storage_dir() / s.path).string(), "-f", "null", "-"});
      EXPECT_EQ(r.exit_code, 0) << s.path << r.err;
    }
}

// PostgreSQL stops for a while (several leases): nobody stops recording; when it is back, the outboxes drain and
// the cluster's rows equal the union of the local catalogs.
TEST(Cluster, WithPostgresDownEveryHostKeepsRecordingAndTheClusterCatchesUp) {
  PostgresServer pg;
  TempDir da, db;
  const auto url_file = da.path() / "pg.url";
  std::ofstream(url_file) << pg.url() << "\n";
  const std::string cams = cluster_camera("north", "h-a, h-b", false) + cluster_camera("south", "h-b, h-a", false);
  ZcrecdProcess a(da.path(), cams), b(db.path(), cams);
  a.rewrite_config(cams, cluster_block("h-a", url_file, a.port()));
  b.rewrite_config(cams, cluster_block("h-b", url_file, b.port()));
  a.log_to(da.path() / "zcrecd.log");
  b.log_to(db.path() / "zcrecd.log");
  a.start();
  b.start();
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return holds(a, "north") && holds(b, "south"); }, 30s));
  const auto segments_of = [](ZcrecdProcess& d, const std::string& cam) {
    return d.catalog().segments(d.ring(cam)).size();
  };
  const size_t north_before = segments_of(a, "north"), south_before = segments_of(b, "south");

  pg.stop();
  // Two more segments (4 s each) of each camera: far past the 3 s lease.
  ASSERT_TRUE(ZcrecdProcess::eventually(
      [&] { return segments_of(a, "north") >= north_before + 2 && segments_of(b, "south") >= south_before + 2; }, 40s));
  EXPECT_EQ(a.camera("north")["recording_state"], "continuous");
  EXPECT_EQ(b.camera("south")["recording_state"], "continuous");
  pg.start();

  // Both hosts renew again; the outboxes drain: each host's rows equal its local catalog's, row by row.
  const auto local_rows = [](ZcrecdProcess& d) {
    std::ostringstream out;
    for (const auto& s : d.catalog().all_segments())
      if (s.state != "writing") out << s.id << "|" << s.start_wall_ns << "|" << s.end_wall_ns << "|" << s.frames << "\n";
    return out.str();
  };
  const auto cluster_rows = [&](const std::string& host) {
    return pg.query("SELECT local_id || '|' || start_wall_ns || '|' || end_wall_ns || '|' || frames FROM segment "
                    "WHERE host = '" + host + "' AND state <> 'writing' ORDER BY local_id");
  };
  EXPECT_TRUE(ZcrecdProcess::eventually([&] { return cluster_rows("h-a") == local_rows(a); }, 30s))
      << cluster_rows("h-a") << "\nlocal:\n" << local_rows(a);
  EXPECT_TRUE(ZcrecdProcess::eventually([&] { return cluster_rows("h-b") == local_rows(b); }, 30s));
  // The keepers renew at their next round after reconnecting (the publishers may have drained before that).
  const auto leases = [&] {
    return pg.query("SELECT string_agg(camera || ':' || host || ':' || epoch, ',' ORDER BY camera) FROM camera_lease "
                    "WHERE expires_db_wall_ns > (extract(epoch FROM clock_timestamp()) * 1e9)::bigint");
  };
  EXPECT_TRUE(ZcrecdProcess::eventually([&] { return leases() == "north:h-a:1,south:h-b:1\n"; }, 20s))
      << leases() << "the holders kept their leases (and epochs) across the outage";
  for (const std::string cam : {"north", "south"}) {
    const auto t = timeline(pg.url(), cam, 0, INT64_MAX);
    EXPECT_EQ(t.overlaps, 0) << describe(t);
    EXPECT_TRUE(t.holes.empty()) << "the outage cost no footage\n" << describe(t);
  }
  EXPECT_EQ(read_file(da.path() / "zcrecd.log").find("lost camera"), std::string::npos);
  EXPECT_EQ(read_file(db.path() / "zcrecd.log").find("lost camera"), std::string::npos);
  if (HasFailure()) std::printf("h-a:\n%s\nh-b:\n%s\n", read_file(da.path() / "zcrecd.log").c_str(),
                                read_file(db.path() / "zcrecd.log").c_str());
}


// A dead host's footage plays on another host from its S3 copies (issue 22: "a clip.mp4 of a dead host's camera
// plays from S3 and is byte-identical to the original segments' frames"). Host a records porch and uploads its
// closed segments; a is SIGKILLed; host b (no camera of its own) serves the cluster clip.
TEST(Cluster, ADeadHostsFootagePlaysOnAnotherHostFromItsS3CopiesFrameForFrame) {
  PostgresServer pg;
  TempDir da, db;
  S3rver s3(da.path() / "s3", {"zcrec"});
  const auto url_file = da.path() / "pg.url";
  std::ofstream(url_file) << pg.url() << "\n";
  std::ofstream(da.path() / "s3.access") << S3rver::kAccessKey << "\n";
  std::ofstream(da.path() / "s3.secret") << S3rver::kSecretKey << "\n";
  const auto s3_yaml = [&](const std::string& prefix) {
    return "s3: {endpoint: '" + s3.endpoint() + "', bucket: zcrec, prefix: " + prefix + ", access_key_file: " +
           (da.path() / "s3.access").string() + ", secret_key_file: " + (da.path() / "s3.secret").string() + "}";
  };
  const std::string porch = "  porch:\n    source: testsrc\n    testsrc: {size: 320x240, fps: 25, gop: 1s, bitrate: 300k}\n"
                            "    ring_size: 8M\n    record: {continuous: true}\n";
  const std::string block_a = "cluster: {host: h-a, postgres_url_file: " + url_file.string() + ", every: 500ms}\n";
  const std::string block_b = "cluster: {host: h-b, postgres_url_file: " + url_file.string() + ", every: 500ms}\n";
  ZcrecdProcess a(da.path(), porch, block_a), b(db.path(), "  {}\n", block_b);
  a.set_storage_options(s3_yaml("site-a/"));
  a.rewrite_config(porch, block_a);
  b.set_storage_options(s3_yaml("site-b/"));
  b.rewrite_config("  {}\n", block_b);
  a.start();
  b.start();
  // Three segments of a's, uploaded and published with their keys.
  const auto uploaded = [&] {
    return pg.query("SELECT count(*) FROM segment WHERE host = 'h-a' AND s3_key IS NOT NULL AND state = 'complete'");
  };
  // And a fragment or more of footage a has not uploaded (the segment being written), published.
  const auto local_only = [&] {
    return pg.query("SELECT count(*) FROM segment WHERE host = 'h-a' AND s3_key IS NULL AND keyframes > 0");
  };
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return std::stoi(uploaded()) >= 3 && local_only() != "0\n"; }, 60s))
      << uploaded() << local_only();
  a.kill(SIGKILL);
  for (const auto& [pid, ring] : a.ingest_processes()) ::kill(pid, SIGKILL);
  a.wait(5s);

  const auto rows = pg.query("SELECT start_wall_ns || ' ' || end_wall_ns || ' ' || path FROM segment WHERE host = 'h-a' "
                             "AND s3_key IS NOT NULL AND state = 'complete' ORDER BY start_wall_ns LIMIT 3");
  std::istringstream in(rows);
  std::vector<std::tuple<int64_t, int64_t, std::string>> segs;
  for (int64_t start = 0, end = 0; in >> start >> end;) {
    std::string path;
    in >> path;
    segs.emplace_back(start, end, path);
  }
  ASSERT_EQ(segs.size(), 3u) << rows;
  const std::string query = "from=" + rfc3339(std::get<0>(segs.front())) + "&to=" + rfc3339(std::get<1>(segs.back()));
  httplib::Client http("127.0.0.1", b.port());
  http.set_read_timeout(30);
  const auto clip = http.Get("/api/v1/cluster/cameras/porch/clip.mp4?" + query);
  ASSERT_TRUE(clip);
  ASSERT_EQ(clip->status, 200) << clip->body;
  const auto clip_file = db.path() / "clip.mp4";
  std::ofstream(clip_file, std::ios::binary) << clip->body;

  // The clip's video packets are the original segments' packets, byte for byte (framemd5's hash column), in order.
  const auto hashes = [](const std::vector<std::filesystem::path>& files) {
    std::string out;
    for (const auto& f : files) {
      const auto r = run({"ffmpeg", "-v", "error", "-i", f.string(), "-map", "0:v", "-c", "copy", "-f", "framemd5", "-"});
      EXPECT_EQ(r.exit_code, 0) << f << r.err;
      std::istringstream lines(r.out);
      for (std::string line; std::getline(lines, line);)
        if (!line.empty() && line[0] != '#') out += line.substr(line.rfind(',') + 1) + "\n";
    }
    return out;
  };
  std::vector<std::filesystem::path> originals;
  for (const auto& s : segs) originals.push_back(a.storage_dir() / std::get<2>(s));
  const std::string want = hashes(originals), got = hashes({clip_file});
  EXPECT_GT(std::count(want.begin(), want.end(), '\n'), 200) << "three segments of 4 s at 25 fps";
  EXPECT_EQ(got, want) << "the clip is not the original segments' frames";
  const auto decode = run({"ffmpeg", "-v", "error", "-i", clip_file.string(), "-f", "null", "-"});
  EXPECT_EQ(decode.exit_code, 0);
  EXPECT_EQ(decode.err, "");

  // A range that reaches footage a never uploaded (its last segment, published at a fragment or more): a is dead
  // and announced no api_url, so a 503 naming the host, not a broken or silently shorter clip.
  {
    const auto r = http.Get("/api/v1/cluster/cameras/porch/clip.mp4?from=" + rfc3339(std::get<0>(segs.front())) + "&to=now");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 503) << r->body;
    EXPECT_NE(r->body.find("h-a"), std::string::npos) << r->body;
  }
  EXPECT_EQ(http.Get("/api/v1/cluster/cameras/nosuch/clip.mp4?" + query)->status, 404);
}

}  // namespace
}  // namespace zc::test
