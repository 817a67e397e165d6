// zcrecd's HTTP server under attack (issue 18, faults 1-3 and 10): the real daemon, raw sockets that send what
// no well-behaved client sends, curl. One request must not kill it, what a client sends must not grow its
// memory, slow clients must not delay a door controller's event, and its answers must tell the truth.
//
// Every connection here comes from 127.0.0.1: they share the per-address bound (128), so no test opens more.
#include "cli_process.h"
#include "zcrecd_process.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

namespace zc::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

const std::string kToken = "s3cret-token-of-32-characters-xx";

std::string camera_yaml(const std::string& name, bool continuous, const std::string& bitrate = "100K") {
  return "  " + name + ":\n    source: testsrc\n    testsrc: {size: 160x120, fps: 10, gop: 1s, bitrate: " + bitrate +
         "}\n    ring_size: 4M\n    record: {continuous: " + (continuous ? "true" : "false") +
         ", events: {preroll: 1s, postroll: 0s}}\n";
}

bool streaming(ZcrecdProcess& d, const std::string& cam) {
  const auto c = d.camera(cam);
  return c.is_object() && c["ingest_state"] == "streaming" && c["ring_history_s"].get<double>() >= 1.0;
}

int connect_to(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Reads one answer: its head and Content-Length bytes of body (or until the peer closes, or `timeout`).
std::string read_answer(int fd, std::chrono::milliseconds timeout) {
  std::string out;
  const auto until = Clock::now() + timeout;
  char buf[65536];
  while (Clock::now() < until) {
    const auto head = out.find("\r\n\r\n");
    if (head != std::string::npos) {
      const auto cl = out.find("Content-Length: ");
      if (cl != std::string::npos && cl < head &&
          out.size() >= head + 4 + std::stoull(out.substr(cl + 16, out.find("\r\n", cl) - cl - 16)))
        break;
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

// One raw request on its own connection; the answer.
std::string roundtrip(int port, const std::string& request, std::chrono::milliseconds timeout = 10s) {
  const int fd = connect_to(port);
  if (fd < 0) return {};
  send_all(fd, request);
  std::string out = read_answer(fd, timeout);
  ::close(fd);
  return out;
}

int status_of(const std::string& raw) {
  if (raw.size() < 12 || raw.compare(0, 5, "HTTP/") != 0) return 0;
  return std::atoi(raw.c_str() + 9);
}

std::string body_of(const std::string& raw) {
  const auto head = raw.find("\r\n\r\n");
  return head == std::string::npos ? std::string() : raw.substr(head + 4);
}

std::string head_of(const std::string& raw) { return raw.substr(0, raw.find("\r\n\r\n")); }

// The answer is the JSON error shape with that status.
::testing::AssertionResult json_error(const std::string& raw, int status) {
  if (status_of(raw) != status)
    return ::testing::AssertionFailure() << "status " << status_of(raw) << ": " << raw.substr(0, 400);
  const json j = json::parse(body_of(raw), nullptr, false);
  if (!j.is_object() || !j.contains("error") || j["error"].value("status", 0) != status)
    return ::testing::AssertionFailure() << "no JSON error: " << raw.substr(0, 400);
  return ::testing::AssertionSuccess();
}

std::string get_request(const std::string& target, const std::string& extra_headers = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers + "Connection: close\r\n\r\n";
}

std::string post_request(const std::string& target, const std::string& body) {
  return "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

// The daemon's resident memory, from /proc/PID/status.
long rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

bool alive(ZcrecdProcess& d) { return d.get("/api/v1/health").status == 200; }

TEST(HttpHostile, RequestsThatKilledTheDaemonAnswer400AndItLives) {
  TempDir dir;
  ZcrecdProcess d(dir.path(), camera_yaml("gate", false));
  d.start();
  const int port = d.port();
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return streaming(d, "gate"); }, 30s));

  // Fault 1: invalid UTF-8 in the path ended zcrecd with SIGABRT (a JSON type_error escaping a handler).
  for (const std::string target :
       {"/%ff", "/api/v1/nosuch%ff", "/api/v1/cameras/%c0%ae%c0%ae/clip.mp4?from=-10s&to=now",
        "/api/v1/cameras/%c0%ae%c0%ae/live.mp4", "/api/v1/cameras/%c0%ae%c0%ae/timeline",
        "/api/v1/cameras/%c0%ae%c0%ae/stream", "/api/v1/events/%ed%a0%80", "/%00", "/a%0d%0aSet-Cookie:%20x=1"}) {
    SCOPED_TRACE(target);
    const std::string raw = roundtrip(port, get_request(target));
    EXPECT_TRUE(json_error(raw, 400));
    EXPECT_TRUE(alive(d)) << "zcrecd died on " << target;
  }
  // A raw byte that is not UTF-8 in the target (not percent-encoded) too.
  EXPECT_TRUE(json_error(roundtrip(port, get_request("/api/v1/cameras/\xff/stream")), 400));

  // Invalid UTF-8 in query names and values and in JSON bodies: 400 (was 500), never a crash.
  for (const std::string target : {"/api/v1/events?camera=%ff", "/api/v1/events?%ff=1", "/api/v1/events?from=%c0%af",
                                   "/api/v1/cameras/gate/timeline?from=%fe", "/api/v1/cameras/gate/timeline?%80"}) {
    SCOPED_TRACE(target);
    EXPECT_TRUE(json_error(roundtrip(port, get_request(target)), 400));
  }
  for (const std::string body : {"{\"label\": \"\xff\"}", "{\"\xc0\xaf\": 1}", "{\"metadata\": {\"k\": \"\xed\xa0\x80\"}}",
                                 "\xff"}) {
    SCOPED_TRACE(body);
    EXPECT_TRUE(json_error(roundtrip(port, post_request("/api/v1/cameras/gate/events", body)), 400));
  }
  // The login route parses a body too.
  EXPECT_TRUE(json_error(roundtrip(port, post_request("/api/v1/login", "{\"token\": \"\xff\"}")), 400));

  // CR or LF in a value never reaches a header: 400, and no header was injected.
  const std::string injected = roundtrip(
      port, get_request("/api/v1/cameras/gate/clip.mp4?from=-10s&to=now&download=1%0d%0aX-Injected:%20yes"));
  EXPECT_TRUE(json_error(injected, 400));
  EXPECT_EQ(head_of(injected).find("X-Injected"), std::string::npos) << injected;
  EXPECT_TRUE(json_error(roundtrip(port, get_request("/api/v1/events?camera=a%0ab")), 400));

  // A POST without a body and without Content-Length is a request with an empty body, answered at once.
  const auto t0 = Clock::now();
  const std::string empty_post =
      roundtrip(port, "POST /api/v1/cameras/gate/events HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(status_of(empty_post), 201) << empty_post;
  EXPECT_LT(Clock::now() - t0, 4s) << "a POST without a body waited for one (the body timeout is 5 s)";

  EXPECT_TRUE(alive(d));
  EXPECT_FALSE(d.wait(0ms).has_value()) << "zcrecd exited";
}

TEST(HttpHostile, HeaderFloodsAndHugeBodiesAreRefusedAtOnceWithoutGrowingTheDaemon) {
  TempDir dir;
  ZcrecdProcess d(dir.path(), camera_yaml("gate", false));
  d.start();
  const int port = d.port();
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return streaming(d, "gate"); }, 30s));
  const long rss_before = rss_kib(d.pid());
  ASSERT_GT(rss_before, 0);

  // Sends `head` then `chunk` up to `repeat` times while another thread reads the answer; the status and how
  // long it took to come.
  const auto flood = [port](const std::string& head, const std::string& chunk, long repeat) {
    const int fd = connect_to(port);
    EXPECT_GE(fd, 0);
    std::string answer;
    Clock::time_point answered{};
    std::thread reader([&] {
      const auto until = Clock::now() + 60s;
      char buf[4096];
      while (Clock::now() < until) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 20) <= 0) continue;
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        if (answer.empty()) answered = Clock::now();
        answer.append(buf, static_cast<size_t>(n));
      }
    });
    const auto start = Clock::now();
    long sent = 0;
    if (send_all(fd, head)) {
      for (; sent < repeat; ++sent)
        if (!send_all(fd, chunk)) break;
    }
    reader.join();
    ::close(fd);
    const auto took = answered == Clock::time_point{} ? Clock::duration::max() : answered - start;
    return std::make_tuple(status_of(answer), std::chrono::duration_cast<std::chrono::milliseconds>(took), sent,
                           answer);
  };

  // Two million header lines (16 MB): 431 long before they are sent.
  const auto [hs, htook, hsent, hanswer] =
      flood("GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n", std::string("X-Flood: 0123\r\n"), 2'000'000);
  EXPECT_TRUE(json_error(hanswer, 431));
  EXPECT_LT(htook, 5s);
  const long rss_headers = rss_kib(d.pid());
  std::printf("[ measured ] header flood: %ld of 2000000 lines sent, 431 after %lld ms, RSS %ld -> %ld KiB\n", hsent,
              static_cast<long long>(htook.count()), rss_before, rss_headers);
  EXPECT_LT(rss_headers - rss_before, 20 * 1024);

  // A request line of 64 KiB: 414.
  EXPECT_TRUE(json_error(roundtrip(port, get_request("/" + std::string(64 * 1024, 'a'))), 414));
  // A whole head of 192 KB in one write (a new user's trial found Beast's header_limit let it through: 200), and
  // one header field of 30 KB after a short request line (it answered 414, naming the request line): both 431.
  std::string lines;
  for (int i = 0; i < 24'000; ++i) lines += "X-A: b\r\n";
  EXPECT_TRUE(json_error(roundtrip(port, get_request("/api/v1/health", lines)), 431));
  EXPECT_TRUE(json_error(roundtrip(port, get_request("/api/v1/health", "X-Big: " + std::string(30'000, 'a') + "\r\n")),
                         431));

  // A 1 GiB chunked body to the events route: 413 long before it is sent, memory bounded.
  const std::string mib(1 << 20, 'a');
  char size_line[32];
  std::snprintf(size_line, sizeof size_line, "%x\r\n", static_cast<unsigned>(mib.size()));
  const auto [bs, btook, bsent, banswer] =
      flood("POST /api/v1/cameras/gate/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n",
            size_line + mib + "\r\n", 1024);
  EXPECT_TRUE(json_error(banswer, 413));
  EXPECT_LT(btook, 5s);
  const long rss_body = rss_kib(d.pid());
  std::printf("[ measured ] 1 GiB chunked body: %ld of 1024 MiB sent, 413 after %lld ms, RSS %ld -> %ld KiB\n", bsent,
              static_cast<long long>(btook.count()), rss_headers, rss_body);
  EXPECT_LT(rss_body - rss_before, 20 * 1024);

  // Small chunks add up too: the bound is on the body, not the chunk.
  std::string many_chunks;
  for (int i = 0; i < 2000; ++i) many_chunks += "40\r\n" + std::string(64, 'b') + "\r\n";
  const std::string chunked_raw = roundtrip(
      port, "POST /api/v1/cameras/gate/events HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n" +
                many_chunks + "0\r\n\r\n");
  EXPECT_TRUE(json_error(chunked_raw, 413));

  // A Content-Length of 1 GiB: 413 from the head alone.
  const auto t0 = Clock::now();
  EXPECT_TRUE(json_error(
      roundtrip(port, "POST /api/v1/cameras/gate/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1073741824\r\n\r\n"),
      413));
  EXPECT_LT(Clock::now() - t0, 4s) << "waited for the body (the body timeout is 5 s)";
  EXPECT_TRUE(alive(d));
}

TEST(HttpHostile, SlowAndIdleClientsDoNotDelayADoorControllersEvents) {
  TempDir dir;
  ZcrecdProcess d(dir.path(), camera_yaml("gate", false));
  d.start();
  const int port = d.port();
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return streaming(d, "gate"); }, 30s));

  // 40 clients trickling a request line a byte every 100 ms (each is refused with 408 after 5 s and comes
  // back), and 40 idle keep-alive connections (each reopened when the server's keep-alive timeout closes it).
  constexpr int kSlow = 40, kIdle = 40;
  std::atomic<bool> done{false};
  std::atomic<int> reconnects{0};
  std::thread slow([&] {
    const std::string line = "POST /api/v1/cameras/gate/events HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    std::vector<int> fds(kSlow, -1);
    std::vector<size_t> pos(kSlow, 0);
    while (!done) {
      for (int i = 0; i < kSlow; ++i) {
        if (fds[i] < 0) {
          fds[i] = connect_to(port);
          pos[i] = 0;
          ++reconnects;
          if (fds[i] < 0) continue;
        }
        char c = line[pos[i] % line.size()];
        if (::send(fds[i], &c, 1, MSG_NOSIGNAL) != 1) {
          ::close(fds[i]);
          fds[i] = -1;
          continue;
        }
        ++pos[i];
        char sink[512];
        if (::recv(fds[i], sink, sizeof sink, MSG_DONTWAIT) >= 0) {  // an answer (408) or the close
          ::close(fds[i]);
          fds[i] = -1;
        }
      }
      std::this_thread::sleep_for(100ms);
    }
    for (int fd : fds)
      if (fd >= 0) ::close(fd);
  });
  std::thread idle([&] {
    std::vector<int> fds(kIdle, -1);
    while (!done) {
      for (int i = 0; i < kIdle; ++i) {
        char sink[4096];
        if (fds[i] >= 0 && ::recv(fds[i], sink, sizeof sink, MSG_DONTWAIT) == 0) {
          ::close(fds[i]);
          fds[i] = -1;
        }
        if (fds[i] < 0) {
          fds[i] = connect_to(port);
          if (fds[i] < 0) continue;
          send_all(fds[i], "GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");  // keep-alive
        }
      }
      std::this_thread::sleep_for(100ms);
    }
    for (int fd : fds)
      if (fd >= 0) ::close(fd);
  });
  std::this_thread::sleep_for(2s);  // all 80 connected and holding whatever they hold

  std::vector<double> ms;
  int created = 0;
  for (int i = 0; i < 50; ++i) {
    httplib::Client c("127.0.0.1", port);  // a new connection each time, as a door controller makes them
    c.set_connection_timeout(10);
    c.set_read_timeout(30);
    const auto t0 = Clock::now();
    const auto r = c.Post("/api/v1/cameras/gate/events", R"({"label": "door", "preroll": 0, "duration": 1})",
                          "application/json");
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    if (r && r->status == 201) ++created;
    std::this_thread::sleep_for(50ms);
  }
  done = true;
  slow.join();
  idle.join();

  EXPECT_EQ(created, 50);
  std::sort(ms.begin(), ms.end());
  const double p50 = ms[ms.size() / 2], p99 = ms[ms.size() * 99 / 100], worst = ms.back();
  std::printf("[ measured ] 50 event POSTs with %d slow and %d idle connections open (%d slow reconnects): "
              "p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
              kSlow, kIdle, reconnects.load(), p50, p99, worst);
  // A worker held by a slow client would show as a POST waiting out the 5 s read timeout; anything shorter is
  // the busy test machine's scheduler. docs/service.md has the measured numbers (target p99 <= 50 ms).
  EXPECT_LT(worst, 4000.0);
}

// One client address cannot take every connection: past 128 open ones it gets 503 at once (and the others
// keep being served once it lets go).
TEST(HttpHostile, ConnectionsFromOneAddressAreBounded) {
  TempDir dir;
  ZcrecdProcess d(dir.path(), camera_yaml("gate", false));
  d.start();
  const int port = d.port();
  ASSERT_EQ(d.get("/api/v1/health").status, 200);
  std::vector<int> held;
  for (int i = 0; i < 128; ++i) {
    const int fd = connect_to(port);
    ASSERT_GE(fd, 0);
    held.push_back(fd);
  }
  // The server accepts them in order: the next connection is the 129th (all within the 5 s before the server
  // closes connections that sent nothing).
  std::this_thread::sleep_for(300ms);
  const std::string refused = roundtrip(port, get_request("/api/v1/health"), 3s);
  EXPECT_TRUE(json_error(refused, 503)) << refused;
  for (const int fd : held) ::close(fd);
  EXPECT_TRUE(ZcrecdProcess::eventually([&] { return alive(d); }, 5s));
}

TEST(HttpHostile, ATokenInTheUrlIsRefusedAndNeverLogged) {
  TempDir dir;
  ZcrecdProcess d(dir.path(), camera_yaml("gate", false), "", kToken);
  const auto log = dir / "zcrecd.log";
  d.log_to(log);
  d.start();
  const int port = d.port();
  const std::string auth = "Authorization: Bearer " + kToken + "\r\n";
  for (const std::string& target : {"/api/v1/cameras?token=" + kToken, "/api/v1/events?access_token=" + kToken,
                                   "/metrics?token=" + kToken.substr(0, 20)}) {
    SCOPED_TRACE(target);
    const std::string raw = roundtrip(port, get_request(target));
    EXPECT_TRUE(json_error(raw, 400));
    EXPECT_NE(body_of(raw).find("Authorization"), std::string::npos) << raw;
    EXPECT_TRUE(json_error(roundtrip(port, get_request(target, auth)), 400)) << "refused even with the header";
  }
  // Other credential-like parameters are refused as unknown and redacted in the log.
  EXPECT_TRUE(json_error(roundtrip(port, get_request("/api/v1/events?password=hunter2-secret", auth)), 400));
  EXPECT_EQ(status_of(roundtrip(port, get_request("/api/v1/cameras", auth))), 200);
  d.kill(SIGTERM);
  d.wait(15s);
  std::ifstream in(log);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("token=REDACTED"), std::string::npos) << "the requests were not logged";
  EXPECT_EQ(text.find(kToken), std::string::npos) << "the token is in the log";
  EXPECT_EQ(text.find(kToken.substr(0, 20)), std::string::npos) << "part of the token is in the log";
  EXPECT_EQ(text.find("hunter2"), std::string::npos);
}

TEST(HttpHostile, EventsAreReadAtTheirLocationAndRangesNeverHideA404) {
  TempDir dir;
  ZcrecdProcess d(dir.path(), camera_yaml("gate", true, "300K"));
  d.start();
  const int port = d.port();
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return streaming(d, "gate"); }, 30s));

  // A Range on what answers 404 or 400 gets that status, not 416.
  const std::string range = "Range: bytes=100-200\r\n";
  EXPECT_TRUE(json_error(roundtrip(port, get_request("/api/v1/cameras/nosuch/clip.mp4?from=-10s&to=now", range)), 404));
  EXPECT_TRUE(json_error(roundtrip(port, get_request("/api/v1/cameras/nosuch/live.mp4", range)), 404));
  EXPECT_TRUE(json_error(roundtrip(port, get_request("/no/such/route", range)), 404));
  EXPECT_TRUE(json_error(roundtrip(port, get_request("/api/v1/cameras/gate/clip.mp4?from=soon&to=now", range)), 400));
  EXPECT_TRUE(json_error(roundtrip(port, get_request("/api/v1/events/999999", range)), 404));

  // The Location of a created event answers with the event as the list gives it.
  httplib::Client c("127.0.0.1", port);
  const auto posted = c.Post("/api/v1/cameras/gate/events", R"({"label": "door", "preroll": "2s", "duration": "2s"})",
                             "application/json");
  ASSERT_TRUE(posted);
  ASSERT_EQ(posted->status, 201) << posted->body;
  const std::string location = posted->get_header_value("Location");
  const auto one = c.Get(location.c_str());
  ASSERT_TRUE(one);
  ASSERT_EQ(one->status, 200) << location << ": " << one->body;
  const json event = json::parse(one->body);
  const json list = json::parse(c.Get("/api/v1/events?camera=gate")->body);
  ASSERT_EQ(list["total"], 1);
  EXPECT_EQ(event, list["items"][0]);
  EXPECT_EQ(event["label"], "door");
  EXPECT_TRUE(json_error(roundtrip(port, get_request("/api/v1/events/0")), 400));

  // Its clip: the span with pre- and post-roll, once the event has ended.
  const std::string clip = location + "/clip.mp4";
  ASSERT_TRUE(ZcrecdProcess::eventually(
      [&] { return json::parse(c.Get(location.c_str())->body)["state"] == "ended"; }, 20s));
  std::this_thread::sleep_for(5s);  // its footage reaches a finished fragment
  const auto mp4 = c.Get(clip.c_str());
  ASSERT_TRUE(mp4);
  ASSERT_EQ(mp4->status, 200) << mp4->body.substr(0, 300);
  EXPECT_EQ(mp4->get_header_value("Content-Type"), "video/mp4");
  ASSERT_GT(mp4->body.size(), 1000u);
  EXPECT_EQ(mp4->body.substr(4, 4), "ftyp");
  const auto download = c.Head((clip + "?download=1").c_str());
  ASSERT_TRUE(download);
  EXPECT_NE(download->get_header_value("Content-Disposition").find("filename=\"event-"), std::string::npos);
  EXPECT_TRUE(json_error(roundtrip(port, get_request("/api/v1/events/999999/clip.mp4", range)), 404));
}

TEST(HttpHostile, AClipDownloadCutByTheDaemonsDeathIsAFailedTransfer) {
  TempDir dir;
  // Several MB of footage: more than the socket buffers hold, so the daemon's death leaves bytes unsent.
  ZcrecdProcess d(dir.path(), "  gate:\n    source: testsrc\n    testsrc: {size: 640x360, fps: 25, gop: 1s, "
                              "bitrate: 4M}\n    ring_size: 16M\n    record: {continuous: true}\n");
  d.start();
  ASSERT_TRUE(ZcrecdProcess::eventually([&] { return streaming(d, "gate"); }, 30s));
  std::this_thread::sleep_for(8s);
  const std::string url = "http://127.0.0.1:" + std::to_string(d.port()) + "/api/v1/cameras/gate/clip.mp4?from=-60s&to=now";
  const auto out = dir / "cut.mp4";
  RunResult curl;
  const auto head = dir / "head.txt";
  // curl writes into a pipe nobody reads for 4 s: it stops reading the socket, so the daemon still has most of the
  // clip to send when it is killed (curl's --limit-rate does not: the kernel's receive buffer grows to megabytes).
  std::thread t([&] {
    curl = run({"bash", "-c",
                "curl -sS -D \"$1\" \"$2\" | { sleep 4; cat > \"$3\"; }; exit ${PIPESTATUS[0]}", "cut",
                head.string(), url, out.string()});
  });
  std::this_thread::sleep_for(2s);
  d.kill(SIGKILL);
  t.join();
  d.wait(5s);
  const auto got = std::filesystem::exists(out) ? std::filesystem::file_size(out) : 0;
  std::printf("[ measured ] curl after SIGKILL of zcrecd: exit %d after %ju bytes; %s\n", curl.exit_code,
              static_cast<uintmax_t>(got), curl.err.c_str());
  std::ifstream hin(head);
  const std::string headers((std::istreambuf_iterator<char>(hin)), std::istreambuf_iterator<char>());
  ASSERT_NE(headers.find("Content-Length: "), std::string::npos) << headers;
  const auto announced = std::stoull(headers.substr(headers.find("Content-Length: ") + 16));
  ASSERT_LT(got, announced) << "the whole clip was sent before the kill: the test proves nothing";
  EXPECT_NE(curl.exit_code, 0) << "curl took a cut download for a complete one; stderr: " << curl.err;
}

}  // namespace
}  // namespace zc::test
