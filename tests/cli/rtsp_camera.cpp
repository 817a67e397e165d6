#include "cli/rtsp_camera.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace zc::test {
namespace {

std::vector<std::string> argv_for(const RtspCameraOptions& o) {
  std::vector<std::string> a = {"/usr/bin/python3", ZC_RTSP_CAMERA_SCRIPT, "--port", std::to_string(o.port),
                                "--codec", o.codec, "--config-interval", std::to_string(o.config_interval),
                                "--protocols", o.protocols, "--fps", std::to_string(o.fps), "--size", o.size};
  if (o.audio) a.push_back("--audio");
  if (!o.user.empty()) a.insert(a.end(), {"--user", o.user, "--password", o.password});
  if (o.loss > 0) a.insert(a.end(), {"--loss", std::to_string(o.loss)});
  if (o.declared_fps > 0) a.insert(a.end(), {"--declared-fps", std::to_string(o.declared_fps)});
  if (o.silent) a.push_back("--silent");
  if (o.bframes > 0) a.insert(a.end(), {"--bframes", std::to_string(o.bframes)});
  if (o.auth != "basic") a.insert(a.end(), {"--auth", o.auth});
  if (!o.file.empty()) a.insert(a.end(), {"--file", o.file});
  return a;
}

}  // namespace

RtspCamera::RtspCamera(const RtspCameraOptions& options) : process_(ChildProcess::spawn(argv_for(options))) {
  const auto line = process_.read_line(std::chrono::seconds(20));
  if (!line || line->rfind("READY ", 0) != 0)
    throw std::runtime_error("the RTSP camera did not start: " + line.value_or("(no output)"));
  url_ = line->substr(6);
  const auto colon = url_.rfind(':');
  port_ = std::stoi(url_.substr(colon + 1));
}

bool RtspCamera::exited(std::chrono::milliseconds within) { return process_.wait(within).has_value(); }

void RtspCamera::kill() {
  process_.kill(SIGKILL);
  process_.wait(std::chrono::seconds(5));
}

void RtspCamera::signal(int signal) { process_.kill(signal); }

int free_local_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("no free local port");
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

}  // namespace zc::test
