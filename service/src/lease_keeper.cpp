#include "lease_keeper.h"

#include <zc/cluster/error.h>
#include <zc/cluster/lease.h>
#include <zc/cluster/migrations.h>

#include <pthread.h>

#include <chrono>
#include <set>

namespace zc::service {
LeaseKeeper::LeaseKeeper(LeaseKeeperOptions options, std::vector<LeasedCamera> cameras, const Logger& log,
                         const fifo::Clock& clock, std::function<void()> on_change)
    : o_(std::move(options)),
      log_(log),
      clock_(clock),
      on_change_(std::move(on_change)),
      cameras_(std::move(cameras)) {
  for (const auto& c : cameras_) gates_[c.name] = std::make_shared<LeaseGate>(renew_ns(), clock_);
  thread_ = std::thread([this] { run(); });
}

LeaseKeeper::~LeaseKeeper() { stop(); }

void LeaseKeeper::set_cameras(std::vector<LeasedCamera> cameras) {
  {
    std::lock_guard lock(mu_);
    std::set<std::string> keep;
    for (const auto& c : cameras) keep.insert(c.name);
    for (auto& [name, gate] : gates_)
      if (!keep.count(name)) gate->lost();
    cameras_ = std::move(cameras);
  }
  cv_.notify_all();  // a new camera is claimed at once
}

std::shared_ptr<LeaseGate> LeaseKeeper::gate(const std::string& camera) {
  std::lock_guard lock(mu_);
  auto& g = gates_[camera];
  if (!g) g = std::make_shared<LeaseGate>(renew_ns(), clock_);
  return g;
}

std::vector<CameraLeaseStatus> LeaseKeeper::leases() const {
  std::lock_guard lock(mu_);
  std::vector<CameraLeaseStatus> out;
  for (const auto& [name, s] : status_) out.push_back(s);
  return out;
}

std::optional<CameraLeaseStatus> LeaseKeeper::lease(const std::string& camera) const {
  std::lock_guard lock(mu_);
  const auto it = status_.find(camera);
  if (it == status_.end()) return std::nullopt;
  return it->second;
}

void LeaseKeeper::stop() {
  {
    std::lock_guard lock(mu_);
    if (stop_ && !thread_.joinable()) return;
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void LeaseKeeper::run() {
  pthread_setname_np(pthread_self(), "zc-leases");  // its CPU apart from recording's (cluster_overhead.py)
  std::unique_ptr<cluster::PgConnection> pg;
  bool failing = false;
  while (true) {
    const int64_t started = clock_.mono_ns();
    try {
      if (!pg || !pg->ok()) {
        pg = std::make_unique<cluster::PgConnection>(cluster::PgConnection::connect(o_.conninfo));
        connected_mono_ns_ = clock_.mono_ns();
        cluster::migrate(*pg);
        cluster::announce_host(*pg, o_.host, o_.api_url, clock_.wall_ns());
      }
      round(*pg);
      if (failing) log_.info("cluster: leases renewed again");
      failing = false;
    } catch (const std::exception& e) {
      const auto* ce = dynamic_cast<const cluster::ClusterError*>(&e);
      const bool unreachable = ce != nullptr && ce->code() == cluster::ClusterErrc::unreachable;
      {
        std::lock_guard lock(mu_);
        for (auto& [name, gate] : gates_) unreachable ? gate->unreachable() : gate->failed();
      }
      if (!failing)
        log_.warning(std::string("cluster: cannot renew camera leases: ") + e.what() +
                     (unreachable ? " (cameras held keep recording while the database cannot be reached)"
                                  : " (held cameras stop at their lease's end)"));
      failing = true;
      pg.reset();
    }
    std::unique_lock lock(mu_);
    if (stop_) break;
    const auto wait = std::chrono::nanoseconds(std::max<int64_t>(0, started + renew_ns() - clock_.mono_ns()));
    cv_.wait_for(lock, wait, [this] { return stop_; });
    if (stop_) break;
  }
  // A clean stop hands the cameras over at once instead of after the lease.
  std::vector<std::string> held;
  {
    std::lock_guard lock(mu_);
    for (auto& [name, s] : status_)
      if (s.held) held.push_back(name);
    for (auto& [name, gate] : gates_) gate->lost();
  }
  if (pg && pg->ok()) {
    for (const auto& name : held) {
      try {
        cluster::release_lease(*pg, name, o_.host);
      } catch (const std::exception& e) {
        log_.warning("cluster: cannot release the lease of " + name + ": " + e.what());
        break;
      }
    }
  }
}

void LeaseKeeper::round(cluster::PgConnection& pg) {
  std::vector<LeasedCamera> cameras;
  int64_t held = 0;
  {
    std::lock_guard lock(mu_);
    cameras = cameras_;
    for (const auto& [name, s] : status_) held += s.held ? 1 : 0;
  }
  bool changed = false;
  for (const auto& c : cameras) {
    const int64_t sent = clock_.mono_ns();
    bool was_held = false;
    {
      std::lock_guard lock(mu_);
      was_held = status_.count(c.name) && status_[c.name].held;
    }
    // Lower places wait their turn; capacity counts what is held (a renewal never needs room).
    const auto lapsed = lapsed_since_mono_ns_.find(c.name);
    const bool turn = c.place == 0 || (lapsed != lapsed_since_mono_ns_.end() &&
                                       sent - lapsed->second >= static_cast<int64_t>(c.place) * renew_ns());
    const bool room = !o_.capacity || held < *o_.capacity;
    // Just (re)connected: the other holders get a whole lease to renew first (they may be reconnecting after the
    // same database outage) before this host takes a camera that was theirs.
    const bool settled = sent - connected_mono_ns_ >= o_.lease_ns;
    // And by the database's clock, two renewal periods per place after the holder's lease ran out: the next host
    // in the list takes the camera even when its rounds come later than those of the one after it.
    const int64_t wait_by_place = static_cast<int64_t>(c.place) * 2 * renew_ns();
    const auto a = cluster::claim_lease(pg, c.name, o_.host, o_.lease_ns, was_held || (turn && room), settled,
                                        wait_by_place);
    if (a.held || !a.holder.empty())
      lapsed_since_mono_ns_.erase(c.name);
    else
      lapsed_since_mono_ns_.emplace(c.name, sent);
    if (a.held && !was_held) ++held;
    if (!a.held && was_held) --held;
    auto g = gate(c.name);
    if (a.held)
      g->granted(a.epoch, a.from_wall_ns, sent + o_.lease_ns);
    else
      g->lost();
    if (a.taken_over)
      log_.info("cluster: took camera " + c.name + " (epoch " + std::to_string(a.epoch) + "), recording from its " +
                "footage's end in the cluster catalog");
    else if (was_held && !a.held)
      log_.warning("cluster: lost camera " + c.name + " to " + (a.holder.empty() ? "nobody" : a.holder) + " (epoch " +
                   std::to_string(a.epoch) + ")");
    changed = changed || a.held != was_held;
    std::lock_guard lock(mu_);
    auto& s = status_[c.name];
    s.camera = c.name;
    s.held = a.held;
    s.holder = a.holder;
    s.epoch = a.epoch;
  }
  // Where each holder's API answers (events are routed there), and cameras dropped by a reload.
  const auto rows = cluster::cluster_leases(pg);
  {
    std::lock_guard lock(mu_);
    for (const auto& r : rows)
      if (auto it = status_.find(r.camera); it != status_.end()) it->second.holder_api_url = r.expires_in_ns > 0 ? r.holder_api_url : "";
    for (auto it = status_.begin(); it != status_.end();) {
      bool listed = false;
      for (const auto& c : cameras) listed = listed || c.name == it->first;
      if (listed) {
        ++it;
        continue;
      }
      if (it->second.held) {
        cluster::release_lease(pg, it->first, o_.host);
        changed = true;
      }
      it = status_.erase(it);
    }
  }
  if (changed && on_change_) on_change_();
}

}  // namespace zc::service
