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

std::vector<ClusterSegmentView> ClusterReading::segments(const std::string& camera, int64_t from_wall_ns,
                                                         int64_t to_wall_ns) {
  return with_connection([&](cluster::PgConnection& pg) {
    std::vector<ClusterSegmentView> out;
    for (const auto& s : cluster::cluster_segments(pg, camera, from_wall_ns, to_wall_ns)) {
      ClusterSegmentView v;
      v.host = s.host;
      v.host_api_url = s.host_api_url;
      v.current_end_wall_ns = s.current_end_wall_ns;
      catalog::SegmentRow& r = v.row;
      r.id = s.local_id;
      r.stream_name = s.camera;
      r.ordinal = s.ordinal;
      r.path = s.path;
      r.start_wall_ns = s.start_wall_ns;
      r.end_wall_ns = s.end_wall_ns;
      r.frames = s.frames;
      r.keyframes = s.keyframes;
      r.size_bytes = s.size_bytes;
      r.video_codec = s.video_codec;
      r.audio_codec = s.audio_codec;
      r.width = s.width;
      r.height = s.height;
      r.state = s.state;
      r.location = s.location;
      r.s3_key = s.s3_key;
      out.push_back(std::move(v));
    }
    return out;
  });
}

}  // namespace zc::service
