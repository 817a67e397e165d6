// zcrecd's camera leases (docs/cluster.md, "Leases and epochs"): one thread and one PostgreSQL connection that
// renew this host's leases every third of the lease and take cameras whose lease lapsed, by the cameras' order of
// preference (`hosts:`) and this host's capacity. What it learns goes into each camera's LeaseGate; when a camera
// changes hands it calls on_change so the service starts or stops the camera's ingest.
#pragma once

#include "lease_gate.h"
#include "log.h"

#include <zc/cluster/pg_connection.h>
#include <zc/fifo/clock.h>

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace zc::service {

struct LeaseKeeperOptions {
  std::string conninfo;  // never logged
  std::string host;
  std::string api_url;   // announced for events routed here ('' none)
  int64_t lease_ns = 15'000'000'000;
  std::optional<int64_t> capacity;  // at most this many leases held at once
};

// A camera this host may hold: its place in the camera's `hosts:` list (0 = preferred). A host at place k takes
// a lapsed lease only after it has seen it lapsed for k renewal periods, so the preferred host wins when they all
// start together and the order holds on failover.
struct LeasedCamera {
  std::string name;
  size_t place = 0;
  bool operator==(const LeasedCamera&) const = default;
};

struct CameraLeaseStatus {
  std::string camera;
  bool held = false;       // by this host
  std::string holder;      // '' nobody (lapsed or never held)
  int64_t epoch = 0;
  std::string holder_api_url;
};

class LeaseKeeper {
 public:
  // clock: the service's (outlives the keeper); a lease's deadline is on its mono_ns.
  LeaseKeeper(LeaseKeeperOptions options, std::vector<LeasedCamera> cameras, const Logger& log,
              const fifo::Clock& clock, std::function<void()> on_change);
  ~LeaseKeeper();  // stop()
  LeaseKeeper(const LeaseKeeper&) = delete;
  LeaseKeeper& operator=(const LeaseKeeper&) = delete;

  // A reload: cameras no longer listed lose their gates (and their leases are released).
  void set_cameras(std::vector<LeasedCamera> cameras);
  // The gate of a camera (made on first use; shared with the camera's recording loop).
  std::shared_ptr<LeaseGate> gate(const std::string& camera);
  // As of the newest renewal round.
  std::vector<CameraLeaseStatus> leases() const;
  std::optional<CameraLeaseStatus> lease(const std::string& camera) const;
  int64_t renew_ns() const { return o_.lease_ns / 3; }

  // Releases the leases held (a clean stop: another host takes the cameras at its next round) and ends the thread.
  void stop();

 private:
  void run();
  void round(cluster::PgConnection& pg);

  const LeaseKeeperOptions o_;
  const Logger& log_;
  const fifo::Clock& clock_;
  const std::function<void()> on_change_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::vector<LeasedCamera> cameras_;
  std::map<std::string, std::shared_ptr<LeaseGate>> gates_;
  std::map<std::string, CameraLeaseStatus> status_;
  std::map<std::string, int64_t> lapsed_since_mono_ns_;  // keeper thread only
  int64_t connected_mono_ns_ = 0;                        // keeper thread only: when the connection was made
  std::thread thread_;
};

}  // namespace zc::service
