// The ingest processes of a storage directory, outside a running daemon: what systemd's ExecStopPost runs
// (`zcrecd --stop-ingest`) after a stop that did not end them itself (docs/service.md, "systemd").
#pragma once

#include <zc/service/config.h>

#include <sys/types.h>

#include <string>
#include <vector>

namespace zc::service {

struct StoppedIngest {
  std::string ring;
  pid_t pid = 0;
};

// Stops (SIGTERM, then SIGKILL after 3 s) every live `zcrec feed` that holds an ingest pid lock in
// config.storage_dir (`.ingest/<ring>.pid`), for any camera, configured or not. A lock holder that is not a
// `zcrec feed` of its ring is never signalled. Throws ServiceError(unavailable) naming the daemon's pid while a
// zcrecd holds the storage directory (stopping is that daemon's job then).
std::vector<StoppedIngest> stop_ingest_processes(const ServiceConfig& config);

}  // namespace zc::service
