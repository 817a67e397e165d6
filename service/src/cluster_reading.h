// zcrecd reading the cluster catalog for its API (docs/cluster.md, "In zcrecd"): one PostgreSQL connection,
// opened on first use and again after it broke, used by one request at a time (these routes are rare: a page
// load, a timeline scroll).
#pragma once

#include <zc/cluster/pg_connection.h>
#include <zc/service/service.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace zc::service {

class ClusterReading {
 public:
  explicit ClusterReading(std::string conninfo) : conninfo_(std::move(conninfo)) {}
  // Throw ServiceError(unavailable) when PostgreSQL cannot be reached or answers with an error.
  std::vector<ClusterCameraView> cameras();
  std::vector<ClusterFootageView> footage(const std::string& camera, int64_t from_wall_ns, int64_t to_wall_ns);
  std::vector<ClusterSegmentView> segments(const std::string& camera, int64_t from_wall_ns, int64_t to_wall_ns);

 private:
  template <typename F>
  auto with_connection(F&& f);

  const std::string conninfo_;  // never logged
  std::mutex mu_;
  std::unique_ptr<cluster::PgConnection> pg_;
};

}  // namespace zc::service
