// live.mp4 (issue 12): the camera's ring as fragmented MP4 over HTTP, read by a real client and decoded by ffmpeg.
#include "media_fixtures.h"
#include "zcrecd_process.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <thread>
#include <vector>

namespace zc::test {
namespace {

using namespace std::chrono_literals;

std::string camera_yaml(const std::string& name, const std::string& bitrate, const std::string& size = "320x240") {
  return "  " + name + ":\n    source: testsrc\n    testsrc: {size: " + size + ", fps: 25, gop: 1s, bitrate: " +
         bitrate +
         "}\n    ring_size: 16M\n    record: {continuous: false}\n";
}

bool streaming(ZcrecdProcess& d, const std::string& cam, double history_s) {
  const auto c = d.camera(cam);
  return c.is_object() && c["ingest_state"] == "streaming" && c["ring_history_s"].get<double>() >= history_s;
}

// A client that leaves mid-stream leaves mid-fragment: the bytes up to the end of the last complete top-level
// box (the last whole moof+mdat) are what it can play.
size_t complete_boxes(const std::string& bytes) {
  size_t pos = 0, playable = 0;  // a moof whose mdat did not arrive whole is not playable
  for (;;) {
    if (bytes.size() - pos < 8) return playable;
    uint64_t size = 0;
    for (int i = 0; i < 4; ++i) size = (size << 8) | static_cast<uint8_t>(bytes[pos + i]);
    if (size == 1) {
      if (bytes.size() - pos < 16) return playable;
      size = 0;
      for (int i = 8; i < 16; ++i) size = (size << 8) | static_cast<uint8_t>(bytes[pos + i]);
    }
    if (size < 8 || size > bytes.size() - pos) return playable;
    const std::string type = bytes.substr(pos + 4, 4);
    pos += size;
    if (type != "moof") playable = pos;
  }
}

// Reads `path` for `duration`; its complete boxes go into `out`.
struct LiveRead {
  int status = 0;
  std::string content_type;
  size_t bytes = 0;
};
LiveRead read_live(int port, const std::string& path, std::chrono::milliseconds duration,
                   const std::filesystem::path& out) {
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(10);
  std::string body;
  LiveRead r;
  const auto until = std::chrono::steady_clock::now() + duration;
  auto res = c.Get(
      path.c_str(),
      [&](const httplib::Response& response) {
        r.status = response.status;
        r.content_type = response.get_header_value("Content-Type");
        return true;
      },
      [&](const char* data, size_t n) {
        body.append(data, n);
        r.bytes += n;
        return std::chrono::steady_clock::now() < until;  // false: the client leaves
      });
  (void)res;  // canceled on purpose
  std::ofstream(out, std::ios::binary).write(body.data(), static_cast<std::streamsize>(complete_boxes(body)));
  return r;
}

TEST(LiveView, FiveSecondsOfLiveMp4DecodeWithoutErrorsAndStartOnAKeyframe) {
  TempDir dir;
  ZcrecdProcess d(dir.path(), camera_yaml("gate", "500K"));
  d.log_to(dir / "zcrecd.log");
  d.start();
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return streaming(d, "gate", 2); }, 30s)) << d.camera("gate").dump();

  const auto r = read_live(d.port(), "/api/v1/cameras/gate/live.mp4", 5s, dir / "live.mp4");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "video/mp4");
  EXPECT_GT(r.bytes, 10'000u);

  // ffmpeg decodes every frame of it with no error at all (-xerror: the first error fails the run).
  const auto dec = run({"ffmpeg", "-v", "error", "-xerror", "-i", (dir / "live.mp4").string(), "-f", "null", "-"});
  EXPECT_EQ(dec.exit_code, 0) << dec.err;
  EXPECT_EQ(dec.err, "");
  // Starting at the newest keyframe: the first frame is a keyframe, and about 5 s of 25 fps arrived (the stream
  // starts up to one GOP in the past; the last fragment may still be in flight when the client leaves).
  const auto frames = run({"ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=flags",
                           "-of", "csv=p=0", (dir / "live.mp4").string()});
  ASSERT_EQ(frames.exit_code, 0) << frames.err;
  std::vector<std::string> flags;
  for (size_t pos = 0; pos < frames.out.size();) {
    const size_t nl = frames.out.find('\n', pos);
    flags.push_back(frames.out.substr(pos, nl - pos));
    pos = nl == std::string::npos ? frames.out.size() : nl + 1;
  }
  ASSERT_FALSE(flags.empty());
  EXPECT_EQ(flags.front().substr(0, 1), "K");
  EXPECT_GE(flags.size(), 100u);  // 5 s at 25 fps = 125
  EXPECT_LE(flags.size(), 175u);  // + one GOP before + slack

  // Unknown camera: 404; and a second viewer while one watches still works.
  EXPECT_EQ(d.get("/api/v1/cameras/nope/live.mp4").status, 404);
  const auto info = d.get("/api/v1/cameras/gate/stream");
  ASSERT_EQ(info.status, 200) << info.body.dump();
  EXPECT_EQ(info.body["codec"], "h264");
  EXPECT_EQ(info.body["codecs"].get<std::string>().substr(0, 5), "avc1.");
}

// A raw HTTP/1.1 client on a socket with a tiny receive buffer, so that not reading stalls the server at once.
class SlowClient {
 public:
  SlowClient(int port, const std::string& path) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    const int small = 4096;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) ADD_FAILURE() << "connect: " << errno;
    const std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    EXPECT_EQ(::send(fd_, req.data(), req.size(), 0), static_cast<ssize_t>(req.size()));
  }
  ~SlowClient() { ::close(fd_); }
  // Takes at most `bytes_per_100ms` every 100 ms for `d`: a client on a slow link.
  void read_slowly(size_t bytes_per_100ms, std::chrono::milliseconds d) {
    const auto until = std::chrono::steady_clock::now() + d;
    std::string buf(bytes_per_100ms, '\0');
    while (std::chrono::steady_clock::now() < until) {
      const ssize_t n = ::recv(fd_, buf.data(), buf.size(), MSG_DONTWAIT);
      if (n == 0) return;
      if (n > 0) raw_.append(buf.data(), static_cast<size_t>(n));
      std::this_thread::sleep_for(100ms);
    }
  }
  // Reads whatever arrives for `d` (as fast as it comes).
  void read_for(std::chrono::milliseconds d) {
    const auto until = std::chrono::steady_clock::now() + d;
    char buf[65536];
    while (std::chrono::steady_clock::now() < until) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return;
      raw_.append(buf, static_cast<size_t>(n));
    }
  }
  // The body with the chunked transfer coding undone (the last chunk may be cut short).
  std::string body() const {
    const auto head = raw_.find("\r\n\r\n");
    if (head == std::string::npos) return {};
    std::string out;
    size_t pos = head + 4;
    while (pos < raw_.size()) {
      const auto eol = raw_.find("\r\n", pos);
      if (eol == std::string::npos) break;
      const size_t n = std::stoul(raw_.substr(pos, eol - pos), nullptr, 16);
      if (n == 0) break;
      out.append(raw_, eol + 2, std::min(n, raw_.size() - (eol + 2)));
      pos = eol + 2 + n + 2;
    }
    return out;
  }
  const std::string& raw() const { return raw_; }

 private:
  int fd_ = -1;
  std::string raw_;
};

// A client on a link slower than the camera (64 KB/s for a 6 Mbit/s stream) falls more than kLiveMaxLagNs
// behind: the server drops frames to a later keyframe rather than queue them without bound, says so in its log,
// and what the client gets still decodes, with no hole in its timeline.
TEST(LiveView, ASlowClientIsDroppedToALaterKeyframeAndItsStreamStillDecodes) {
  TempDir dir;
  // 6 Mbit/s: the kernel's send buffer of the connection grows to a few MB (tcp_wmem) and hides that much lag
  // from the server; the backlog must outgrow it for the viewer's own queue to fill.
  ZcrecdProcess d(dir.path(), camera_yaml("yard", "6M", "1280x720"));
  const auto log = dir / "zcrecd.log";
  d.log_to(log);
  d.start();
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return streaming(d, "yard", 2); }, 30s)) << d.camera("yard").dump();

  {
    SlowClient client(d.port(), "/api/v1/cameras/yard/live.mp4");
    client.read_slowly(6400, 10s);
    const size_t slow_bytes = client.raw().size();
    client.read_for(500ms);  // what the sockets still hold
    std::cout << "slow phase " << slow_bytes << " bytes, then " << client.raw().size() - slow_bytes << "\n";
    const std::string body = client.body();
    ASSERT_GT(body.size(), 100'000u) << client.raw().substr(0, 300);
    std::ofstream(dir / "slow.mp4", std::ios::binary)
        .write(body.data(), static_cast<std::streamsize>(complete_boxes(body)));
  }
  const auto dec = run({"ffmpeg", "-v", "error", "-xerror", "-i", (dir / "slow.mp4").string(), "-f", "null", "-"});
  EXPECT_EQ(dec.exit_code, 0) << dec.err;
  EXPECT_EQ(dec.err, "");
  // Decode times step by one frame (40 ms) everywhere: the drop is a jump in the picture, not in the timeline.
  const auto ts = run({"ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=dts_time", "-of",
                       "csv=p=0", (dir / "slow.mp4").string()});
  ASSERT_EQ(ts.exit_code, 0) << ts.err;
  std::vector<double> dts;
  for (size_t pos = 0; pos < ts.out.size();) {
    const size_t nl = ts.out.find('\n', pos);
    const std::string line = ts.out.substr(pos, nl - pos);
    if (!line.empty()) dts.push_back(std::stod(line));
    pos = nl == std::string::npos ? ts.out.size() : nl + 1;
  }
  ASSERT_GT(dts.size(), 25u);
  for (size_t i = 1; i < dts.size(); ++i) EXPECT_NEAR(dts[i] - dts[i - 1], 0.04, 0.011) << "at packet " << i;
  // 10.5 s of wall time passed (11.5 s of media with the GOP the stream starts with), yet the client got far
  // fewer frames: the ones it was behind on were dropped.
  EXPECT_LT(dts.size(), 9 * 25);
  ASSERT_TRUE(ZcrecdProcess::eventually([&] {
    std::ifstream in(log);
    const std::string text(std::istreambuf_iterator<char>(in), {});
    return text.find("live view of yard: ") != std::string::npos &&
           text.find("dropped for a slow client") != std::string::npos;
  }, 10s)) << "zcrecd's log does not report the drop";
}

}  // namespace
}  // namespace zc::test
