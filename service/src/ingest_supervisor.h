// A camera's ingest under zcrecd: the `zcrec feed` process built from the camera's settings (ingest_spec()),
// started or adopted, restarted with backoff when it ends, stopped with the camera; and what the camera's
// status says of it, sampled from its ring once a second (docs/service.md, "Process tree"). One thread.
#pragma once

#include "ingest_child.h"
#include "log.h"
#include "ring_sampler.h"

#include <zc/ingest/ingest_command.h>
#include <zc/service/config.h>
#include <zc/service/service.h>

#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>

namespace zc::service {

// The `zcrec feed` zcrecd runs for a camera feeding `ring`: `--loop` for a path (a media file plays as a camera
// that never ends; a FIFO is opened again when its writer comes back), `--rtsp-transport` for rtsp(s)://, the
// synthetic camera's options for testsrc, `--input-option`s for everything but testsrc; a password in the
// source URL moves to the process's environment.
ingest::IngestSpec ingest_spec(const std::filesystem::path& zcrec, const CameraConfig& camera, const std::string& ring);

class IngestSupervisor {
 public:
  // Applies a change to the camera's status under the camera's own lock (the camera's status has other writers).
  using StatusUpdate = std::function<void(const std::function<void(CameraStatus&)>&)>;

  // Starts the supervising thread at once.
  // clock: the service's (outlives the supervisor): ring rates and how long a run lasted.
  IngestSupervisor(ingest::IngestSpec spec, std::filesystem::path pid_file, std::string camera_name, const Logger& log,
                   const fifo::Clock& clock, StatusUpdate update);
  ~IngestSupervisor();  // stop()
  IngestSupervisor(const IngestSupervisor&) = delete;
  IngestSupervisor& operator=(const IngestSupervisor&) = delete;

  // Stops the process (SIGTERM, then SIGKILL) and the thread; the state becomes `stopped`. Idempotent.
  void stop();

 private:
  void loop();
  void sample_ring(RingSampler& sampler);

  const ingest::IngestSpec spec_;
  const std::filesystem::path pid_file_;
  const std::string name_;
  const Logger& log_;
  const fifo::Clock& clock_;
  const StatusUpdate update_;

  std::mutex mutex_;  // stopping_
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace zc::service
