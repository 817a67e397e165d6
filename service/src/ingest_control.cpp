#include "ingest_child.h"
#include "storage_lock.h"

#include <zc/service/ingest_control.h>
#include <zc/service/service.h>

#include <unistd.h>

#include <system_error>

namespace zc::service {

namespace {

struct LiveIngest {
  std::string ring;
  pid_t pid = 0;
};

// Every pid file of the directory held by a live `zcrec feed` of its ring. A file whose holder is anything else
// (or that is not held: its ingest is gone) is left alone.
std::vector<LiveIngest> live_ingests(const std::filesystem::path& storage_dir) {
  std::vector<LiveIngest> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(storage_dir / ".ingest", ec)) {
    const auto& path = entry.path();
    if (path.extension() != ".pid") continue;
    const std::string ring = path.stem().string();
    PidLock lock;
    try {
      lock = PidLock::try_acquire(path);
    } catch (const std::system_error&) {
      continue;
    }
    if (lock.held() || !lock.holder()) continue;  // nobody holds it (we do now, briefly), or no pid written yet
    if (is_ingest_of(process_cmdline(*lock.holder()), ring)) out.push_back({ring, *lock.holder()});
  }
  return out;
}

}  // namespace

std::filesystem::path storage_lock_file(const std::filesystem::path& storage_dir) {
  return storage_dir / "zcrecd.lock";
}

PidLock lock_storage_dir(const std::filesystem::path& storage_dir) {
  const auto file = storage_lock_file(storage_dir);
  PidLock lock;
  try {
    lock = PidLock::try_acquire(file);
  } catch (const std::system_error& e) {
    throw ServiceError(ServiceError::Kind::unavailable, "storage " + storage_dir.string() + ": " + e.what());
  }
  if (!lock.held()) {
    throw ServiceError(ServiceError::Kind::unavailable,
                       "storage " + storage_dir.string() + " is in use by another zcrecd (" +
                           (lock.holder() ? "pid " + std::to_string(*lock.holder()) : std::string("pid unknown")) +
                           ", " + file.string() + "); one daemon per storage directory");
  }
  try {
    lock.write_pid(::getpid());
  } catch (const std::system_error& e) {
    throw ServiceError(ServiceError::Kind::unavailable, "storage " + storage_dir.string() + ": " + e.what());
  }
  return lock;
}

std::vector<std::pair<std::string, pid_t>> stop_ingest_except(const std::filesystem::path& storage_dir,
                                                              const std::set<std::string>& keep) {
  std::vector<std::pair<std::string, pid_t>> stopped;
  for (const auto& i : live_ingests(storage_dir)) {
    if (keep.count(i.ring)) continue;
    terminate_process(i.pid);
    stopped.emplace_back(i.ring, i.pid);
  }
  return stopped;
}

std::vector<StoppedIngest> stop_ingest_processes(const ServiceConfig& config) {
  // Held while stopping: no daemon can start on the directory (and adopt what is being stopped) meanwhile.
  const PidLock lock = lock_storage_dir(config.storage_dir);
  std::vector<StoppedIngest> out;
  for (const auto& [ring, pid] : stop_ingest_except(config.storage_dir, {})) out.push_back({ring, pid});
  return out;
}

}  // namespace zc::service
