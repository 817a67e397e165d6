// `zcrec cluster publish|status` (docs/cluster.md): a host's local catalog published into the PostgreSQL cluster
// catalog, and what the cluster catalog knows about its hosts. Thin over zc::cluster. The connection string comes
// from a file or from $ZCREC_POSTGRES_URL, never from the command line (it may hold a password: `ps` shows argv).
#include "commands.h"
#include "stop_signals.h"

#include <zc/catalog/catalog.h>
#include <zc/cluster/cluster_reader.h>
#include <zc/cluster/error.h>
#include <zc/cluster/lease.h>
#include <zc/cluster/migrations.h>
#include <zc/cluster/publish_loop.h>
#include <zc/cluster/publisher.h>
#include <zc/fifo/clock.h>
#include <zc/units/cli_validators.h>

#include <time.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

namespace zc::cli {
namespace {

constexpr const char* kUrlVariable = "ZCREC_POSTGRES_URL";

struct ClusterCliOptions {
  std::string url_file;
  std::string dir;
  std::string host;
  std::string ring_prefix;
  double every_s = 5;
  double full_every_s = 600;
  bool once = false;
};

std::string connection_string(const ClusterCliOptions& o) {
  if (!o.url_file.empty()) {
    std::ifstream in(o.url_file);
    if (!in) throw CLI::ValidationError("--postgres-url-file", "cannot read " + o.url_file);
    std::string url;
    std::getline(in, url);
    while (!url.empty() && std::isspace(static_cast<unsigned char>(url.back()))) url.pop_back();
    if (url.empty()) throw CLI::ValidationError("--postgres-url-file", o.url_file + " holds no connection string");
    return url;
  }
  const char* env = std::getenv(kUrlVariable);
  if (!env || !*env)
    throw CLI::ValidationError("--postgres-url-file", std::string("give it, or the connection string in $") + kUrlVariable);
  return env;
}

void run_publish(const ClusterCliOptions& o) {
  const std::string url = connection_string(o);
  const auto clock = std::make_shared<const fifo::SystemClock>();  // the command's one clock
  if (o.once) {
    const auto local = catalog::Catalog::open_existing(o.dir, catalog::Catalog::Access::read_only);
    auto pg = cluster::PgConnection::connect(url);
    cluster::migrate(pg);
    const auto s = cluster::publish(pg, o.host, local, clock->wall_ns(), o.ring_prefix);
    std::printf("published %s (full): %lld recordings, %lld segments, %lld events, %lld gaps; %lld rows written, %lld removed\n",
                o.host.c_str(), static_cast<long long>(s.recordings), static_cast<long long>(s.segments),
                static_cast<long long>(s.events), static_cast<long long>(s.gaps), static_cast<long long>(s.written),
                static_cast<long long>(s.removed));
    return;
  }
  StopSignals stop;  // before the loop's thread starts, so that it inherits the blocked signals
  cluster::PublishLoopOptions lo;
  lo.conninfo = url;
  lo.host = o.host;
  lo.ring_prefix = o.ring_prefix;
  lo.storage_dir = o.dir;
  lo.clock = clock;
  lo.every = std::chrono::milliseconds(std::llround(o.every_s * 1000));
  lo.full_every = std::chrono::milliseconds(std::llround(o.full_every_s * 1000));
  lo.on_log = [](bool error, const std::string& line) {
    std::fprintf(error ? stderr : stdout, "%s%s\n", error ? "zcrec cluster publish: " : "", line.c_str());
    std::fflush(error ? stderr : stdout);
  };
  cluster::PublishLoop loop(std::move(lo));
  while (!stop.requested()) {
    stop.sleep_for(std::chrono::milliseconds(200));
    const auto st = loop.status();
    if (st.fatal) throw std::runtime_error(st.last_error);
  }
}

void run_status(const ClusterCliOptions& o) {
  auto pg = cluster::PgConnection::connect(connection_string(o));
  cluster::migrate(pg);
  const auto hosts = cluster::cluster_hosts(pg);
  std::printf("%-24s %10s %10s %8s %8s %12s\n", "HOST", "SEGMENTS", "RECORDINGS", "EVENTS", "UPLOADS", "LAG");
  for (const auto& h : hosts) {
    std::printf("%-24s %10lld %10lld %8lld %8lld ", h.name.c_str(), static_cast<long long>(h.segments),
                static_cast<long long>(h.recordings), static_cast<long long>(h.events),
                static_cast<long long>(h.upload_queue));
    if (h.last_publish_db_wall_ns == 0)
      std::printf("%12s\n", "never");  // known by its leases only so far
    else
      std::printf("%10.1f s\n", static_cast<double>(h.lag_ns) / 1e9);
  }
  if (hosts.empty()) std::printf("(no host has published yet)\n");
  // Camera leases (docs/cluster.md, "Leases and epochs"): who records each cluster camera now.
  const auto leases = cluster::cluster_leases(pg);
  if (leases.empty()) return;
  std::printf("\n%-24s %-24s %8s %12s\n", "CAMERA", "HOLDER", "EPOCH", "EXPIRES IN");
  for (const auto& l : leases) {
    const bool held = !l.holder.empty() && l.expires_in_ns > 0;
    std::printf("%-24s %-24s %8lld ", l.camera.c_str(), held ? l.holder.c_str() : "(none)",
                static_cast<long long>(l.epoch));
    if (held)
      std::printf("%10.1f s\n", static_cast<double>(l.expires_in_ns) / 1e9);
    else
      std::printf("%12s\n", l.holder.empty() ? "-" : ("lapsed (" + l.holder + ")").c_str());
  }
}

}  // namespace

void add_cluster_command(CLI::App& app) {
  auto o = std::make_shared<ClusterCliOptions>();
  auto* cmd = app.add_subcommand("cluster", "The PostgreSQL cluster catalog: publish a host's catalog, show the hosts");
  cmd->require_subcommand(1);
  cmd->footer("The connection string (postgresql://USER:PASSWORD@HOST:PORT/DB, or libpq's key=value form) comes from\n"
              "--postgres-url-file or $ZCREC_POSTGRES_URL, never from the command line, and is never printed.\n"
              "docs/cluster.md has the design.");
  const auto url_option = [&](CLI::App* c) {
    c->add_option("--postgres-url-file", o->url_file, "file whose first line is the connection string")
        ->check(CLI::ExistingFile);
  };

  auto* publish = cmd->add_subcommand(
      "publish", "Make this host's rows in the cluster catalog equal to its local catalog, every --every");
  publish->footer("Each publish is one transaction: new rows inserted, changed ones updated; a full one (the first,\n"
                  "then every --full-every, and --once) also removes rows the local catalog no longer has, the others\n"
                  "send only the rows of the last minutes. A server that cannot be reached is retried with backoff (0.5 s doubling to\n"
                  "10 s); nothing is lost meanwhile, the next publish catches up. SIGINT/SIGTERM stop it (exit 0).");
  publish->add_option("--dir", o->dir, "storage directory of the local catalog")->required();
  publish->add_option("--host", o->host, "this host's name in the cluster (1 to 64 bytes)")
      ->required()
      ->check([](const std::string& h) { return h.empty() || h.size() > 64 ? "1 to 64 bytes" : ""; });
  publish->add_option("--ring-prefix", o->ring_prefix, "zcrecd's ring_prefix: streams are published by camera name");
  publish->add_option("--every", o->every_s, "time between publishes, e.g. 5s")
      ->transform(units::seconds_with_unit())
      ->check(units::in_range(0.1, 3600.0))
      ->capture_default_str();
  publish->add_option("--full-every", o->full_every_s,
                      "time between full publishes (those in between send only the rows of the last minutes)")
      ->transform(units::seconds_with_unit())
      ->check(units::in_range(1.0, 86400.0))
      ->capture_default_str();
  publish->add_flag("--once", o->once, "publish once and exit (1 when the server cannot be reached)");
  url_option(publish);
  publish->callback([o] { run_publish(*o); });

  auto* status = cmd->add_subcommand(
      "status", "The hosts in the cluster catalog (rows, how long ago each published) and the camera leases");
  url_option(status);
  status->callback([o] { run_status(*o); });
}

}  // namespace zc::cli
