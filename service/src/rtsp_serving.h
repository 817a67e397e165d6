// zcrecd's RTSP server (docs/serving.md, "In zcrecd"): every enabled camera at rtsp://LISTEN/<camera>, through
// zc::serve (a media per client, each starting at the ring's newest keyframe). Off unless the configuration has
// an `rtsp:` block.
#pragma once

#include <zc/serve/rtsp_server.h>
#include <zc/service/config.h>

#include "log.h"

#include <memory>
#include <vector>

namespace zc::service {

class RtspServing {
 public:
  // Requires config.rtsp. Throws ServiceError(unavailable) when the server cannot listen (address in use, ...),
  // naming rtsp.listen. `clock`: the service's one clock (client stalls, pushers).
  RtspServing(const ServiceConfig& config, const Logger& log, std::shared_ptr<const fifo::Clock> clock);
  ~RtspServing();  // every client is disconnected
  RtspServing(const RtspServing&) = delete;
  RtspServing& operator=(const RtspServing&) = delete;

  // After a reload: cameras added, removed, enabled or disabled are served or no longer served at once, without
  // touching the clients of the others. (rtsp.* itself takes effect at the next start, as api.* does: restarting
  // the server would cut every client of every camera.)
  void serve(const ServiceConfig& config);
  // Per served ring (ServiceConfig::ring_name).
  std::vector<serve::RingServeStats> stats() const;

 private:
  const Logger& log_;
  const RtspServeConfig rtsp_;  // as started
  std::unique_ptr<serve::RtspServer> server_;
};

}  // namespace zc::service
