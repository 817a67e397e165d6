// The RTSP session against a scripted camera on a local socket, for what a real server does not show: the
// requests themselves. Keepalive at half the session timeout (GET_PARAMETER, which the camera lists in Public),
// TEARDOWN before the connection closes, a scheme-less Content-Base, whitespace in the SSRC, sequence numbers
// starting at 0.
#include <zc/ingest/error.h>
#include <zc/ingest/rtsp_message.h>
#include <zc/ingest/rtsp_source.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;

const zc::fifo::SystemClock host_clock;  // stateless: the host's clocks

// A clock that moves only when the test says so.
class ManualClock final : public zc::fifo::Clock {
 public:
  int64_t mono_ns() const override { return mono_.load(); }
  int64_t wall_ns() const override { return 1'800'000'000'000'000'000 + mono_.load(); }
  void advance(std::chrono::nanoseconds d) { mono_ += d.count(); }

 private:
  std::atomic<int64_t> mono_{1'000'000'000'000'000'000};
};

int count_of(const std::vector<std::string>& requests, const std::string& request) {
  return static_cast<int>(std::count(requests.begin(), requests.end(), request));
}

class ScriptedCamera {
 public:
  // After `frames` pictures (-1: never) the camera goes silent: the connection stays open and requests are still
  // answered, but no media comes.
  explicit ScriptedCamera(int frames = -1) : frames_left_(frames) {

    listen_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(listen_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listen_, 1) != 0 ||
        ::getsockname(listen_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
      throw std::runtime_error("cannot listen");
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~ScriptedCamera() {
    stop_ = true;
    ::shutdown(listen_, SHUT_RDWR);
    if (conn_ >= 0) ::shutdown(conn_, SHUT_RDWR);
    thread_.join();
    ::close(listen_);
    if (conn_ >= 0) ::close(conn_);
  }
  int port() const { return port_; }
  std::vector<std::string> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  void send_text(const std::string& s) { (void)!::send(conn_, s.data(), s.size(), MSG_NOSIGNAL); }
  void send_rtp(uint16_t seq, uint32_t ts, bool marker, std::vector<uint8_t> payload) {
    std::vector<uint8_t> p = {'$', 0, 0, 0, 0x80, static_cast<uint8_t>((marker ? 0x80 : 0) | 96),
                              static_cast<uint8_t>(seq >> 8), static_cast<uint8_t>(seq), static_cast<uint8_t>(ts >> 24),
                              static_cast<uint8_t>(ts >> 16), static_cast<uint8_t>(ts >> 8), static_cast<uint8_t>(ts),
                              0x0A, 0x1B, 0x2C, 0x3D};
    p.insert(p.end(), payload.begin(), payload.end());
    const size_t len = p.size() - 4;
    p[2] = static_cast<uint8_t>(len >> 8);
    p[3] = static_cast<uint8_t>(len);
    (void)!::send(conn_, p.data(), p.size(), MSG_NOSIGNAL);
  }

  void serve() {
    conn_ = ::accept(listen_, nullptr, nullptr);
    if (conn_ < 0) return;
    std::vector<uint8_t> buf;
    bool playing = false;
    uint16_t seq = 0;  // the first packet's sequence number is 0
    uint32_t ts = 0;
    auto next_frame = std::chrono::steady_clock::now();
    const std::string base = "127.0.0.1:" + std::to_string(port_) + "/cam/";  // no scheme, as some cameras send
    while (!stop_) {
      if (playing && frames_left_ != 0 && std::chrono::steady_clock::now() >= next_frame) {
        if (frames_left_ > 0) --frames_left_;
        const bool key = seq == 0;
        if (key) send_rtp(seq++, ts, false, {0x18, 0, 4, 0x67, 0x42, 0xC0, 0x1E, 0, 4, 0x68, 0xCE, 0x3C, 0x80});
        send_rtp(seq++, ts, true, {static_cast<uint8_t>(key ? 0x65 : 0x41), 0x88, 0x84, 0x21});
        ts += 9000;
        next_frame += 100ms;
      }
      pollfd p{conn_, POLLIN, 0};
      if (::poll(&p, 1, 10) <= 0) continue;
      uint8_t chunk[4096];
      const ssize_t n = ::recv(conn_, chunk, sizeof chunk, 0);
      if (n <= 0) break;
      buf.insert(buf.end(), chunk, chunk + n);
      for (;;) {
        const zc::ingest::Parsed m = zc::ingest::parse_rtsp(buf);
        if (m.kind != zc::ingest::Parsed::Kind::message) break;
        buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(m.consumed));
        const std::string cseq = std::to_string(m.message.cseq().value_or(0));
        const std::string* session = m.message.header("Session");
        {
          std::lock_guard lock(mutex_);
          requests_.push_back(m.message.method + (session != nullptr ? " session=" + *session : ""));
        }
        const std::string& method = m.message.method;
        if (method == "OPTIONS") {
          send_text("RTSP/1.0 200 OK\r\nCSeq: " + cseq + "\r\nPublic: OPTIONS, DESCRIBE, SETUP, PLAY, GET_PARAMETER, TEARDOWN\r\n\r\n");
        } else if (method == "DESCRIBE") {
          const std::string sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=cam\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\n"
                                  "a=rtpmap:96 H264/90000\r\na=control:trackID=1\r\n";
          send_text("RTSP/1.0 200 OK\r\nCSeq: " + cseq + "\r\nContent-Base: " + base +
                    "\r\nContent-Type: application/sdp\r\nContent-Length: " + std::to_string(sdp.size()) + "\r\n\r\n" + sdp);
        } else if (method == "SETUP") {
          std::lock_guard lock(mutex_);
          requests_.back() += " " + m.message.target;
          send_text("RTSP/1.0 200 OK\r\nCSeq: " + cseq +
                    "\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=  0A1B2C3D \r\nSession: 4711;timeout=2\r\n\r\n");
        } else if (method == "PLAY") {
          send_text("RTSP/1.0 200 OK\r\nCSeq: " + cseq + "\r\nSession: 4711\r\n\r\n");
          playing = true;
          next_frame = std::chrono::steady_clock::now();
        } else {
          send_text("RTSP/1.0 200 OK\r\nCSeq: " + cseq + "\r\nSession: 4711\r\n\r\n");
        }
      }
    }
  }

  int listen_ = -1, conn_ = -1, port_ = 0;
  int frames_left_ = -1;
  std::atomic<bool> stop_ = false;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::string> requests_;
};

TEST(RtspSession, KeepaliveAtHalfTheTimeoutAndTeardownBeforeClose) {
  ScriptedCamera camera;
  std::vector<std::string> requests;
  {
    zc::ingest::RtspSourceOptions o;
    o.clock = &host_clock;
    o.timeout = 5s;
    zc::ingest::RtspSource source("rtsp://127.0.0.1:" + std::to_string(camera.port()) + "/cam", o);
    // In-band parameter sets only: the first keyframe gave the configuration before the constructor returned.
    EXPECT_FALSE(source.stream_info().tracks.at(0).config.empty());
    zc::media::MediaPacket p;
    int frames = 0;
    const auto until = std::chrono::steady_clock::now() + 2500ms;  // the 2 s session wants a keepalive every 1 s
    while (std::chrono::steady_clock::now() < until && source.read(p)) {
      EXPECT_FALSE(p.corrupt);
      ++frames;
    }
    EXPECT_GE(frames, 15);
    EXPECT_EQ(source.packets_lost(), 0u);  // sequence numbers from 0
  }
  for (int i = 0; i < 100; ++i) {
    requests = camera.requests();
    if (!requests.empty() && requests.back().rfind("TEARDOWN", 0) == 0) break;
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_GE(requests.size(), 5u);
  EXPECT_EQ(requests[0], "OPTIONS");
  EXPECT_EQ(requests[1], "DESCRIBE");
  // The track's control resolved against the scheme-less Content-Base.
  EXPECT_EQ(requests[2], "SETUP rtsp://127.0.0.1:" + std::to_string(camera.port()) + "/cam/trackID=1");
  EXPECT_EQ(requests[3], "PLAY session=4711");
  int keepalives = 0;
  for (const auto& r : requests) keepalives += r == "GET_PARAMETER session=4711";
  EXPECT_GE(keepalives, 2) << "a 2 s session read for 2.5 s";
  EXPECT_EQ(requests.back(), "TEARDOWN session=4711");
}

// The media socket blocks in recv() between pictures (one system call waits and reads): a camera that goes silent
// must still get its keepalives, and a stop must still end the wait within the receive timeout (50 ms), not hang.
TEST(RtspSession, ASilentCameraStillGetsKeepalivesAndAStopEndsTheWait) {
  ScriptedCamera camera(3);
  zc::ingest::RtspSourceOptions o;
  o.clock = &host_clock;
  o.timeout = 5s;
  std::atomic<bool> stop = false;
  o.interrupt = [&] { return stop.load(); };
  zc::ingest::RtspSource source("rtsp://127.0.0.1:" + std::to_string(camera.port()) + "/cam", o);
  zc::media::MediaPacket p;
  int frames = 0;
  // The first picture went to the stream info's probe (read before the constructor returned) and is handed out.
  while (frames < 2 && source.read(p)) ++frames;
  ASSERT_EQ(frames, 2);
  std::thread stopper([&] {
    std::this_thread::sleep_for(2500ms);  // the 2 s session wants a keepalive every 1 s
    stop = true;
  });
  const auto stop_at = std::chrono::steady_clock::now() + 2500ms;
  bool interrupted = false;
  try {
    while (source.read(p)) ++frames;
  } catch (const zc::ingest::IngestError& e) {
    interrupted = e.code() == zc::ingest::IngestErrc::interrupted;
  }
  const auto late = std::chrono::steady_clock::now() - stop_at;
  stopper.join();
  EXPECT_TRUE(interrupted);
  EXPECT_LE(frames, 3);
  // Bounded by the receive timeout (50 ms); the slack is for a loaded machine, not for a wait that never ends.
  EXPECT_LT(late, 1000ms);
  int keepalives = 0;
  for (const auto& r : camera.requests()) keepalives += r == "GET_PARAMETER session=4711";
  EXPECT_GE(keepalives, 2) << "2.5 s of silence on a 2 s session";
}

// The keepalive is timed on the injected clock, not the host's: a clock that stands still sends none however
// long the session reads (1.5 s of a 2 s session would want one by the host's clock), and a clock moved on by half
// the session timeout sends exactly one at the next read.
TEST(RtspSession, KeepaliveIsTimedOnTheInjectedClock) {
  ScriptedCamera camera;
  ManualClock clock;
  zc::ingest::RtspSourceOptions o;
  o.clock = &clock;
  o.timeout = 5s;
  zc::ingest::RtspSource source("rtsp://127.0.0.1:" + std::to_string(camera.port()) + "/cam", o);
  zc::media::MediaPacket p;
  for (int frames = 0; frames < 15; ++frames) ASSERT_TRUE(source.read(p));  // 100 ms apart: 1.5 s on the host
  EXPECT_EQ(count_of(camera.requests(), "GET_PARAMETER session=4711"), 0) << "the injected clock did not move";

  clock.advance(1s);  // half the camera's 2 s session timeout
  // The next read that waits for the camera sends it; the camera records it before it answers.
  for (int frames = 0; frames < 30 && count_of(camera.requests(), "GET_PARAMETER session=4711") == 0; ++frames)
    ASSERT_TRUE(source.read(p));
  EXPECT_EQ(count_of(camera.requests(), "GET_PARAMETER session=4711"), 1);
  for (int frames = 0; frames < 10; ++frames) ASSERT_TRUE(source.read(p));
  EXPECT_EQ(count_of(camera.requests(), "GET_PARAMETER session=4711"), 1) << "one keepalive per half timeout";
}

}  // namespace
