#include <zc/cluster/error.h>
#include <zc/cluster/migrations.h>
#include <zc/cluster/publish_loop.h>
#include <zc/cluster/publisher.h>

#include <zc/catalog/catalog.h>
#include <zc/catalog/error.h>

#include <pthread.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>

namespace zc::cluster {
namespace {

PublishLoopOptions with_clock(PublishLoopOptions o) {
  if (!o.clock) o.clock = std::make_shared<const fifo::SystemClock>();
  return o;
}

}  // namespace

PublishLoop::PublishLoop(PublishLoopOptions options) : o_(with_clock(std::move(options))) {
  thread_ = std::thread([this] { run(); });
}

PublishLoop::~PublishLoop() { stop(); }

void PublishLoop::stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

PublishLoopStatus PublishLoop::status() const {
  std::lock_guard lock(mu_);
  return status_;
}

bool PublishLoop::wait(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  return !cv_.wait_for(lock, d, [this] { return stop_; });
}

void PublishLoop::run() {
  // Named so that its CPU can be told apart from recording's (bench/tools/cluster_overhead.py, top -H).
  pthread_setname_np(pthread_self(), "zc-publish");
  std::unique_ptr<PgConnection> pg;
  std::optional<catalog::Catalog> local;
  auto backoff = std::chrono::milliseconds(500);
  int64_t last_full_mono_ns = 0;          // 0: none yet
  std::optional<int64_t> last_start_wall_ns;  // of the newest successful publish
  const fifo::Clock& clock = *o_.clock;
  const auto log = [this](bool error, const std::string& line) {
    if (o_.on_log) o_.on_log(error, line);
  };
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stop_) return;
    }
    try {
      if (!local) local = catalog::Catalog::open_existing(o_.storage_dir, catalog::Catalog::Access::read_only);
      if (!pg || !pg->ok()) {
        pg = std::make_unique<PgConnection>(PgConnection::connect(o_.conninfo));
        migrate(*pg);
      }
      const int64_t start_wall = clock.wall_ns();
      const bool full = last_full_mono_ns == 0 || !last_start_wall_ns ||
                        clock.mono_ns() - last_full_mono_ns >= std::chrono::nanoseconds(o_.full_every).count();
      // A minute of margin: a row written just before the previous publish began but committed after it read.
      std::optional<int64_t> since;
      if (!full) since = *last_start_wall_ns - 60'000'000'000;
      const auto s = publish(*pg, o_.host, *local, start_wall, o_.ring_prefix, since, o_.api_url);
      if (full) last_full_mono_ns = clock.mono_ns();
      last_start_wall_ns = start_wall;
      {
        std::lock_guard lock(mu_);
        ++status_.publishes;
        status_.last_success_wall_ns = clock.wall_ns();
        status_.last_error.clear();
      }
      char line[256];
      std::snprintf(line, sizeof line,
                    "published %s (%s): %lld recordings, %lld segments, %lld events, %lld gaps; %lld rows written, "
                    "%lld removed",
                    o_.host.c_str(), s.full ? "full" : "recent", static_cast<long long>(s.recordings), static_cast<long long>(s.segments),
                    static_cast<long long>(s.events), static_cast<long long>(s.gaps),
                    static_cast<long long>(s.written), static_cast<long long>(s.removed));
      log(false, line);
      backoff = std::chrono::milliseconds(500);
      if (!wait(o_.every)) return;
    } catch (const std::exception& e) {
      // Unreachable (or the local catalog not there yet: a storage directory zcrecd has not recorded into): retry.
      // A refused password or a newer schema will not fix itself: the loop ends and says so.
      const auto* ce = dynamic_cast<const ClusterError*>(&e);
      const bool fatal = ce && ce->code() != ClusterErrc::unreachable;
      pg.reset();
      {
        std::lock_guard lock(mu_);
        ++status_.failures;
        status_.last_error = e.what();
        status_.fatal = fatal;
      }
      if (fatal) {
        log(true, std::string(e.what()) + "; not retrying");
        return;
      }
      char delay[32];
      std::snprintf(delay, sizeof delay, "%.1f", static_cast<double>(backoff.count()) / 1000);
      log(true, std::string(e.what()) + "; retrying in " + delay + " s");
      if (!wait(backoff)) return;
      backoff = std::min(backoff * 2, std::chrono::milliseconds(10'000));
    }
  }
}

}  // namespace zc::cluster
