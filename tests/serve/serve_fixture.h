// The real things every serve test runs: a `zcrec feed testsrc` camera (libx264/libx265 through libavcodec) writing a
// uniquely named ring, a `zcrec serve` process whose stdout lines (`serving URL`, client events) are read as
// events, and ffmpeg/ffprobe/GStreamer clients. Nothing is bounded by wall-clock luck: each wait is for a line,
// a frame count or a process end, with a generous limit that only a defect reaches.
#pragma once

#include "cli/media_fixtures.h"
#include "support/child_process.h"
#include "support/test_support.h"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace zc::test {

// A live camera: `zcrec feed testsrc` into a fresh ring, up once the ring holds a keyframe.
class TestCamera {
 public:
  // Extra feed arguments, e.g. {"--codec", "h265"}. testsrc's defaults here: 320x240, 25 fps, H.264, 2 s GOP.
  // Another source (a file) is fed with `extra` alone.
  TestCamera(const std::string& tag, const std::vector<std::string>& extra, const std::filesystem::path& dir,
             const std::string& source = "testsrc");
  const std::string& ring() const { return stream_.name(); }
  std::string log() const;
  // The camera's ingest crashes (SIGKILL) and a new one starts writing the same ring with `extra` added to the
  // testsrc arguments (e.g. another codec); returns once the new writer has written a keyframe.
  void crash_and_restart(const std::vector<std::string>& extra = {});

 private:
  void start(const std::vector<std::string>& argv);

  ScopedStream stream_;
  std::vector<std::string> argv_;
  std::filesystem::path log_;
  std::unique_ptr<Background> feed_;
};

// `zcrec serve --listen 127.0.0.1:0 ... RING...`, up once it printed its `serving` lines (rings given as
// `--push RING` in `args` included).
class ServeProcess {
 public:
  // env: NAME=VALUE pairs added to this process's environment while the server starts.
  ServeProcess(const std::vector<std::string>& args, const std::vector<std::string>& rings,
               const std::vector<std::pair<std::string, std::string>>& env = {});
  // rtsp://127.0.0.1:PORT/<ring>, from its `serving` line.
  std::string url(const std::string& ring) const;
  int port() const { return port_; }
  // The first line not matched before that contains `text`, reading stdout for it up to `limit` (lines read on
  // the way stay for later calls); nullopt when none came.
  std::optional<std::string> wait_for(const std::string& text, std::chrono::milliseconds limit);
  // Every line read so far.
  const std::vector<std::string>& lines() const { return lines_; }
  std::string transcript() const;
  ChildProcess& process() { return process_; }

 private:
  ChildProcess process_;
  std::vector<std::string> lines_;
  std::vector<bool> matched_;  // per line: a wait_for returned it already
  int port_ = 0;
};

// ffmpeg's RTSP client options: transport, a socket timeout so that a dead server ends it.
std::vector<std::string> ffmpeg_rtsp_input(const std::string& transport, const std::string& url);

// Absolute paths (ChildProcess does not search PATH).
inline const std::string kFfmpeg = "/usr/bin/ffmpeg";
inline const std::string kFfprobe = "/usr/bin/ffprobe";

// `ffprobe -show_packets` of the first video stream of `file`: one "K_" / "__" flag string per packet.
std::vector<std::string> video_packet_flags(const std::filesystem::path& file);

}  // namespace zc::test
