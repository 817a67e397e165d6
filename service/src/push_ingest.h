// The ingest of a camera with `source: push`: no process. An encoder pushes into the camera's ring through
// zcrecd's RTSP server (rtsp_serving.cpp, zc::serve's push mounts), which is the ring's writer. What is left here
// is what the camera's status shows of it, sampled from its ring once a second as for any camera: fps, frames
// and bytes in, the ring's history, and `streaming` while a pusher writes, `waiting_for_pusher` otherwise
// (docs/serving.md, "Streams pushed in"). One thread.
#pragma once

#include "ingest_supervisor.h"
#include "ring_sampler.h"

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace zc::service {

class PushIngest {
 public:
  // clock: the service's (outlives this): the ring's rates.
  PushIngest(std::string ring, const fifo::Clock& clock, IngestSupervisor::StatusUpdate update);
  ~PushIngest();  // stop()
  PushIngest(const PushIngest&) = delete;
  PushIngest& operator=(const PushIngest&) = delete;

  // Ends the sampling; the state becomes `stopped`. Idempotent. (The ring's writer is the RTSP server's: a pusher
  // is cut when the camera stops being served, not here.)
  void stop();

 private:
  void loop();

  const std::string ring_;
  const fifo::Clock& clock_;
  const IngestSupervisor::StatusUpdate update_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace zc::service
