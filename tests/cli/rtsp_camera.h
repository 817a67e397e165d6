// A real RTSP camera for the ingest tests: tests/cli/rtsp_camera.py (GStreamer's gst-rtsp-server with x264enc or
// x265enc, optional AAC) run by Debian's /usr/bin/python3, listening on 127.0.0.1 only. The constructor waits
// until it listens; the destructor SIGKILLs it.
#pragma once

#include "support/child_process.h"

#include <chrono>
#include <string>
#include <vector>

namespace zc::test {

struct RtspCameraOptions {
  int port = 0;  // 0: a free port (restart a camera on the same port by passing the first one's)
  std::string codec = "h264";
  bool audio = false;
  int config_interval = -1;  // -1: parameter sets in band with every keyframe; 0: only in the SDP
  std::string protocols = "any";
  std::string user = {}, password = {};
  double loss = 0;  // fraction of RTP packets dropped after the payloader
  int fps = 25;
  int declared_fps = 0;  // the rate the SPS and caps declare while frames come at `fps`; 0: fps
  std::string size = "320x240";
  bool silent = false;   // answers RTSP (DESCRIBE, SETUP, PLAY) and never sends a frame
  int bframes = 0;             // H.264 only (main profile then)
  std::string auth = "basic";  // with user: "basic" or "digest"
  std::string file = {};       // serve this pre-encoded H.264 file instead of encoding live
};

class RtspCamera {
 public:
  explicit RtspCamera(const RtspCameraOptions& options);
  const std::string& url() const { return url_; }  // rtsp://127.0.0.1:PORT/stream
  int port() const { return port_; }
  // The camera crashes (SIGKILL): connections drop without a TEARDOWN.
  void kill();
  // The camera process ended by itself (gst-rtsp-server aborted, Python failed): a broken test fixture, not a
  // client's fault. Waits up to `within` for it: a client sees the connection close a moment before the aborting
  // process can be reaped.
  bool exited(std::chrono::milliseconds within = std::chrono::milliseconds(0));
  // Sends `signal` (SIGSTOP: a camera that hangs with its connections open; SIGCONT: it goes on).
  void signal(int signal);

 private:
  ChildProcess process_;
  std::string url_;
  int port_ = 0;
};

// A TCP port on 127.0.0.1 that nothing listens on right now.
int free_local_port();

}  // namespace zc::test
