#include "cluster_reading.h"

#include <zc/cluster/cluster_reader.h>
#include <zc/cluster/error.h>

namespace zc::service {

template <typename F>
auto ClusterReading::with_connection(F&& f) {
  std::lock_guard lock(mu_);
  try {
    if (!pg_ || !pg_->ok()) pg_ = std::make_unique<cluster::PgConnection>(cluster::PgConnection::connect(conninfo_));
    return f(*pg_);
  } catch (const cluster::ClusterError& e) {
    pg_.reset();  // the next request connects again
    throw ServiceError(ServiceError::Kind::unavailable, std::string("cluster catalog: ") + e.what());
  }
}

std::vector<ClusterCameraView> ClusterReading::cameras() {
  return with_connection([](cluster::PgConnection& pg) {
    std::vector<ClusterCameraView> out;
    for (auto& c : cluster::cluster_cameras(pg)) out.push_back({std::move(c.camera), std::move(c.host), c.newest_end_wall_ns});
    return out;
  });
}

std::vector<ClusterFootageView> ClusterReading::footage(const std::string& camera, int64_t from_wall_ns,
                                                        int64_t to_wall_ns) {
  return with_connection([&](cluster::PgConnection& pg) {
    std::vector<ClusterFootageView> out;
    for (const auto& s : cluster::cluster_segments(pg, camera, from_wall_ns, to_wall_ns))
      out.push_back({s.host, s.start_wall_ns, s.current_end_wall_ns, s.frames, s.size_bytes, s.state == "writing",
                     s.lease_epoch});
    return out;
  });
}

}  // namespace zc::service
