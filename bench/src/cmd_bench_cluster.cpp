// `zcrec bench cluster`: how long the cluster catalog takes to answer what the API asks of it, at the size the
// issue names: 3 hosts x 100 cameras x 30 days of 60 s segments (12.96 M rows). The rows are made by the server
// itself (generate_series), into the real schema (zc::cluster's migrations), in a database the caller gives;
// then one camera's day (cluster_segments) is asked for at random, and the camera list (cluster_cameras), each
// timed from the client, against `SELECT 1` on the same connection as the baseline (a round trip). The tables are
// emptied first and at the end: give it a scratch database.
#include "commands_internal.h"

#include <zc/cluster/cluster_reader.h>
#include <zc/cluster/migrations.h>
#include <zc/cluster/pg_connection.h>
#include <zc/fifo/clock.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace zc::bench {
namespace {

constexpr int64_t kDayNs = 86'400'000'000'000;
constexpr int64_t kSegmentNs = 60'000'000'000;

struct BenchClusterArgs {
  std::string url_file;
  int hosts = 3, cameras = 100, days = 30;
  int queries = 50;
  bool keep = false;
  bool json = false;
};

struct Timing {
  double p50 = 0, p95 = 0, max = 0;
};

Timing summarize(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  const auto at = [&](double q) { return ms[std::min(ms.size() - 1, static_cast<size_t>(q * static_cast<double>(ms.size())))]; };
  return {at(0.5), at(0.95), ms.back()};
}

template <typename F>
double time_ms(const fifo::Clock& clock, F&& f) {
  const int64_t t0 = clock.mono_ns();
  f();
  return static_cast<double>(clock.mono_ns() - t0) / 1e6;
}

void run_bench_cluster(const BenchClusterArgs& a) {
  const fifo::SystemClock clock;  // the command's one clock
  std::string url;
  if (!a.url_file.empty()) {
    std::ifstream in(a.url_file);
    std::getline(in, url);
  } else if (const char* env = std::getenv("ZCREC_POSTGRES_URL")) {
    url = env;
  }
  if (url.empty()) throw CLI::ValidationError("--postgres-url-file", "give it, or the connection string in $ZCREC_POSTGRES_URL");
  auto pg = cluster::PgConnection::connect(url);
  cluster::migrate(pg);
  const auto clear = [&] { pg.exec_script("TRUNCATE segment, recording, event, gap, camera_epoch, camera_lease; DELETE FROM host"); };
  clear();

  // Every camera belongs to one host; each has one segment a minute for `days` days, ending now.
  const int64_t segments_per_day = kDayNs / kSegmentNs;
  const int64_t start = (clock.wall_ns() / kDayNs - a.days) * kDayNs;
  if (!a.json) std::fprintf(stderr, "bench cluster: making %lld segment rows...\n",
                            static_cast<long long>(int64_t{a.cameras} * a.hosts * a.days * segments_per_day));
  const double fill_ms = time_ms(clock, [&] {
    pg.exec("INSERT INTO host (name, first_seen_wall_ns, last_publish_wall_ns, last_publish_db_wall_ns) "
            "SELECT 'h' || h, 0, 0, 0 FROM generate_series(0, $1::int - 1) h",
            {std::to_string(a.hosts)});
    pg.exec("INSERT INTO segment SELECT 'h' || (c % $1), c * $3 + n, c, 'c' || lpad(c::text, 4, '0'), n, "
            "'c' || c || '/' || n || '.mp4', $4::bigint + n * $5::bigint, $4::bigint + (n + 1) * $5::bigint, 0, "
            "5400000, 1800, 60, 30000000, 'h264', 1920, 1080, '', 'complete', 'length', 1 + n * 3 / $3::bigint "
            "FROM generate_series(0, $1::int * $2::int - 1) c, generate_series(0, $3::bigint - 1) n",
            {std::to_string(a.hosts), std::to_string(a.cameras), std::to_string(int64_t{a.days} * segments_per_day),
             std::to_string(start), std::to_string(kSegmentNs)});
    // Every camera leased and taken over twice in the month (epochs 1..3, a third of the days each): the footage
    // query then applies the epoch rule over real epoch rows (docs/cluster.md, "Leases and epochs").
    pg.exec("INSERT INTO camera_epoch SELECT 'c' || lpad(c::text, 4, '0'), e, 'h' || (c % $1), 0, "
            "$3::bigint + (e - 1) * ($4::bigint / 3) * $5::bigint "
            "FROM generate_series(0, $1::int * $2::int - 1) c, generate_series(1, 3) e",
            {std::to_string(a.hosts), std::to_string(a.cameras), std::to_string(start),
             std::to_string(int64_t{a.days} * segments_per_day), std::to_string(kSegmentNs)});
    pg.exec("ANALYZE camera_epoch");
    pg.exec("ANALYZE segment");
  });

  std::mt19937_64 rng(42);
  std::vector<double> baseline, day, list;
  int64_t rows_per_day = 0;
  for (int i = 0; i < a.queries; ++i) {
    baseline.push_back(time_ms(clock, [&] { pg.exec("SELECT 1"); }));
    const int camera = static_cast<int>(rng() % static_cast<uint64_t>(a.hosts * a.cameras));
    const int d = static_cast<int>(rng() % static_cast<uint64_t>(a.days));
    char name[16];
    std::snprintf(name, sizeof name, "c%04d", camera);
    day.push_back(time_ms(clock, [&] {
      rows_per_day = static_cast<int64_t>(cluster::cluster_segments(pg, name, start + d * kDayNs, start + (d + 1) * kDayNs).size());
    }));
    if (i < 10) list.push_back(time_ms(clock, [&] { cluster::cluster_cameras(pg); }));
  }
  const Timing b = summarize(baseline), q = summarize(day), l = summarize(list);
  if (!a.keep) clear();

  if (a.json) {
    std::cout << nlohmann::json{{"hosts", a.hosts},
                                {"cameras_per_host", a.cameras},
                                {"days", a.days},
                                {"segment_rows", int64_t{a.hosts} * a.cameras * a.days * segments_per_day},
                                {"fill_s", fill_ms / 1000},
                                {"round_trip_ms", {{"p50", b.p50}, {"p95", b.p95}, {"max", b.max}}},
                                {"camera_day_ms", {{"p50", q.p50}, {"p95", q.p95}, {"max", q.max}}},
                                {"camera_day_rows", rows_per_day},
                                {"camera_list_ms", {{"p50", l.p50}, {"p95", l.p95}, {"max", l.max}}}}
                     .dump()
              << "\n";
    return;
  }
  std::printf("%d hosts x %d cameras x %d days of 60 s segments: %lld rows, made in %.1f s\n", a.hosts, a.cameras,
              a.days, static_cast<long long>(int64_t{a.hosts} * a.cameras * a.days * segments_per_day), fill_ms / 1000);
  std::printf("round trip (SELECT 1)       p50 %.2f ms, p95 %.2f, max %.2f\n", b.p50, b.p95, b.max);
  std::printf("one camera's day (%lld rows) p50 %.2f ms, p95 %.2f, max %.2f (target <= 50 ms)\n",
              static_cast<long long>(rows_per_day), q.p50, q.p95, q.max);
  std::printf("every camera (%d)            p50 %.2f ms, p95 %.2f, max %.2f\n", a.hosts * a.cameras, l.p50, l.p95, l.max);
}

}  // namespace

void add_cluster_command(CLI::App& bench) {
  auto a = std::make_shared<BenchClusterArgs>();
  auto* cmd = bench.add_subcommand(
      "cluster", "Query times of the PostgreSQL cluster catalog at 3 hosts x 100 cameras x 30 days (a scratch database)");
  cmd->add_option("--postgres-url-file", a->url_file, "file whose first line is the connection string (else $ZCREC_POSTGRES_URL)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--hosts", a->hosts, "hosts")->check(in_range(1, 64))->capture_default_str();
  cmd->add_option("--cameras", a->cameras, "cameras per host")->check(in_range(1, 1000))->capture_default_str();
  cmd->add_option("--days", a->days, "days of one-minute segments per camera")->check(in_range(1, 365))->capture_default_str();
  cmd->add_option("--queries", a->queries, "camera-day queries timed")->check(in_range(1, 10000))->capture_default_str();
  cmd->add_flag("--keep", a->keep, "leave the rows in the database");
  cmd->add_flag("--json", a->json, "one JSON object on stdout");
  cmd->callback([a] { run_bench_cluster(*a); });
}

}  // namespace zc::bench
