// One daemon per storage directory: `<storage>/zcrecd.lock`, a pid lock (pid_lock.h) the daemon takes before it
// touches anything (recovery, events, ingest, the API) and holds for its life. A second zcrecd on the same
// directory is refused at once with the first one's pid. docs/service.md, "One daemon per storage directory".
#pragma once

#include "pid_lock.h"

#include <filesystem>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace zc::service {

std::filesystem::path storage_lock_file(const std::filesystem::path& storage_dir);

// Takes the storage directory's lock and writes our pid into it. Throws ServiceError(unavailable) naming the
// holder's pid when another process holds it, or when the directory cannot be used.
PidLock lock_storage_dir(const std::filesystem::path& storage_dir);

// Stops every live ingest (a `zcrec feed` holding its `.ingest/<ring>.pid` lock) whose ring is not in `keep`:
// cameras a dead daemon ran that the configuration no longer has. Returns (ring, pid) of each one stopped.
std::vector<std::pair<std::string, pid_t>> stop_ingest_except(const std::filesystem::path& storage_dir,
                                                              const std::set<std::string>& keep);

}  // namespace zc::service
