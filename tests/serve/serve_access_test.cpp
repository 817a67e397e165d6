// What `zcrec serve` refuses, and how a client learns it: wrong or missing credentials 401 (nothing served), the
// client past --max-clients 503 (and its place comes back when a client leaves), a ring nobody serves or that does
// not exist 404, a ring with no track RTP can carry 503; a port in use is a clear error with exit code 1; --help
// explains.
#include "serve/serve_fixture.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <unistd.h>

namespace zc::test {
namespace {

using namespace std::chrono_literals;

std::string describe_answer(const std::string& url, const std::string& basic = {}) {
  std::vector<std::string> argv{"/usr/bin/python3", ZC_RTSP_DESCRIBE_SCRIPT, url};
  if (!basic.empty()) {
    argv.emplace_back("--basic");
    argv.push_back(basic);
  }
  const auto r = run(argv);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out;
}

RunResult probe(const std::string& url) {
  std::vector<std::string> argv{kFfprobe, "-v", "error"};
  for (auto& a : ffmpeg_rtsp_input("tcp", url)) argv.push_back(a);
  return run(argv);
}

TEST(ServeAccess, WrongOrMissingCredentialsAre401AndNothingIsServed) {
  TempDir dir;
  TestCamera camera("auth", {}, dir.path());
  const std::string password = "s3cret-Pa55";
  ServeProcess serve({"--user", "viewer"}, {camera.ring()}, {{"ZCREC_RTSP_PASSWORD", password}});
  const auto url = serve.url(camera.ring());
  const auto with = [&](const std::string& userinfo) {
    return "rtsp://" + userinfo + "@127.0.0.1:" + std::to_string(serve.port()) + "/" + camera.ring();
  };

  const auto none = describe_answer(url);
  EXPECT_EQ(none.substr(0, none.find('\n')), "RTSP/1.0 401 Unauthorized") << none;
  EXPECT_NE(none.find("Basic"), std::string::npos) << none;
  EXPECT_NE(none.find("Digest"), std::string::npos) << none;
  const auto wrong_basic = describe_answer(url, "viewer:wrong");
  EXPECT_EQ(wrong_basic.substr(0, wrong_basic.find('\n')), "RTSP/1.0 401 Unauthorized") << wrong_basic;
  const auto wrong_user = describe_answer(url, "someone:" + password);
  EXPECT_EQ(wrong_user.substr(0, wrong_user.find('\n')), "RTSP/1.0 401 Unauthorized") << wrong_user;
  // ffmpeg answers the challenge itself (Digest when offered).
  const auto wrong = probe(with("viewer:wrong"));
  EXPECT_NE(wrong.exit_code, 0);
  EXPECT_NE(wrong.err.find("401"), std::string::npos) << wrong.err;

  // A path that does not exist is 401 too without credentials: names cannot be probed (attacker trial). With
  // them, it is 404.
  const auto unknown_url = "rtsp://127.0.0.1:" + std::to_string(serve.port()) + "/nope";
  const auto unknown = describe_answer(unknown_url);
  EXPECT_EQ(unknown.substr(0, unknown.find('\n')), "RTSP/1.0 401 Unauthorized") << unknown;
  const auto unknown_auth = describe_answer(unknown_url, "viewer:" + password);
  EXPECT_EQ(unknown_auth.substr(0, unknown_auth.find('\n')), "RTSP/1.0 404 Not Found") << unknown_auth;

  const auto right_basic = describe_answer(url, "viewer:" + password);
  EXPECT_EQ(right_basic.substr(0, right_basic.find('\n')), "RTSP/1.0 200 OK") << right_basic;
  const auto right = probe(with("viewer:" + password));
  EXPECT_EQ(right.exit_code, 0) << right.err;

  // Only the two clients with the right credentials got a media (client numbers count medias from 1).
  ASSERT_TRUE(serve.wait_for("client 2 ", 30s)) << serve.transcript();
  EXPECT_TRUE(serve.wait_for("client 1 ", 0ms)) << serve.transcript();
  EXPECT_FALSE(serve.wait_for("client 3 ", 0ms)) << serve.transcript();
  EXPECT_EQ(serve.transcript().find(password), std::string::npos) << "the password was printed";
}

// A client that describes the stream and never plays holds a place as a stuck one does: it is closed once the
// stall timeout passes without its PLAY, and its place comes back (else a few idle connections take every place).
TEST(ServeAccess, AClientThatNeverPlaysIsClosedAfterTheStallTimeoutAndItsPlaceComesBack) {
  TempDir dir;
  TestCamera camera("never_plays", {}, dir.path());
  ServeProcess serve({"--max-clients", "1", "--stall-timeout", "2s"}, {camera.ring()});
  const auto url = serve.url(camera.ring());
  ChildProcess describer =
      ChildProcess::spawn({"/usr/bin/python3", ZC_RTSP_STALLED_CLIENT_SCRIPT, url, "--describe-only"});
  ASSERT_EQ(describer.read_line(60s).value_or("(none)"), "described");
  EXPECT_EQ(describe_answer(url).substr(0, 32), "RTSP/1.0 503 Service Unavailable") << "the one place is taken";
  const auto ended = serve.wait_for("sent no PLAY within 2.0 s", 60s);
  ASSERT_TRUE(ended) << serve.transcript();
  ASSERT_TRUE(serve.wait_for(": left", 30s)) << serve.transcript();
  EXPECT_EQ(describe_answer(url).substr(0, 15), "RTSP/1.0 200 OK") << "the place came back\n" << serve.transcript();
  describer.kill(SIGKILL);
}

TEST(ServeAccess, TheClientPastMaxClientsIsRefusedWith503AndItsPlaceComesBack) {
  TempDir dir;
  TestCamera camera("full", {}, dir.path());
  ServeProcess serve({"--max-clients", "2"}, {camera.ring()});
  const auto url = serve.url(camera.ring());
  const auto client = [&](const std::string& name) {
    std::vector<std::string> argv{kFfmpeg, "-nostdin", "-v", "error"};
    for (auto& a : ffmpeg_rtsp_input("tcp", url)) argv.push_back(a);
    for (const char* a : {"-t", "60", "-f", "null", "-"}) argv.emplace_back(a);
    return std::make_unique<Background>(argv, dir / (name + ".log"));
  };
  auto first = client("first");
  ASSERT_TRUE(serve.wait_for("starts at keyframe", 60s)) << serve.transcript();
  auto second = client("second");
  ASSERT_TRUE(serve.wait_for("starts at keyframe", 60s)) << serve.transcript();

  EXPECT_EQ(describe_answer(url).substr(0, 32), "RTSP/1.0 503 Service Unavailable");
  const auto third = probe(url);
  EXPECT_NE(third.exit_code, 0);
  EXPECT_NE(third.err.find("503"), std::string::npos) << third.err;
  EXPECT_TRUE(serve.wait_for("refused a client of " + camera.ring() + ": every one of its 2 client places", 10s))
      << serve.transcript();

  // SIGINT: ffmpeg ends cleanly with a TEARDOWN; the media ends and its place is free again.
  EXPECT_NE(first->stop(SIGINT, 30s), -1000) << "ffmpeg did not end on SIGINT";
  ASSERT_TRUE(serve.wait_for("left after", 30s)) << serve.transcript();
  const auto again = probe(url);
  EXPECT_EQ(again.exit_code, 0) << again.err;

  // SIGTERM ends the server cleanly, with its count of clients served and refused.
  serve.process().kill(SIGTERM);
  EXPECT_TRUE(serve.wait_for(camera.ring() + ": 3 clients served, 2 refused", 30s)) << serve.transcript();
  const auto status = serve.process().wait(30s);
  ASSERT_TRUE(status);
  EXPECT_TRUE(exited_with(*status, 0)) << describe_status(*status);
}

// RTSP clients never take a ring's last reader slots: with --reserved-readers 31 of the 32 slots `zcrec feed`
// makes, the first client plays and the second is answered 503 at once, so a recorder can always attach (40
// clients once took all 32 slots and an event's recording waited 35 s: attacker trial).
TEST(ServeAccess, TheRingsReservedReaderSlotsAreNeverTakenByClients) {
  TempDir dir;
  TestCamera camera("reserve", {}, dir.path());
  ServeProcess serve({"--reserved-readers", "31"}, {camera.ring()});
  const auto url = serve.url(camera.ring());
  std::vector<std::string> argv{kFfmpeg, "-nostdin", "-v", "error"};
  for (auto& a : ffmpeg_rtsp_input("tcp", url)) argv.push_back(a);
  for (const char* a : {"-t", "60", "-f", "null", "-"}) argv.emplace_back(a);
  Background first(argv, dir / "first.log");
  ASSERT_TRUE(serve.wait_for("starts at keyframe", 60s)) << serve.transcript();
  EXPECT_EQ(describe_answer(url).substr(0, 32), "RTSP/1.0 503 Service Unavailable");
  EXPECT_TRUE(serve.wait_for("are kept for its other readers", 10s)) << serve.transcript();
}

// A connection that opens one session after another takes a client place for each media past the one its DESCRIBE
// made, and is refused like any other client once they are taken: with --max-clients 1 the DESCRIBE and the first
// SETUP (which reuses the DESCRIBE's media) are answered 200 and the next new-session SETUPs 503. Before, the
// third got 400 Bad Request with a GLib CRITICAL on the server's stderr (attacker trial).
TEST(ServeAccess, NewSessionsOnOneConnectionPastMaxClientsAre503) {
  TempDir dir;
  TestCamera camera("setups", {}, dir.path());
  ServeProcess serve({"--max-clients", "1"}, {camera.ring()});
  const auto r = run({"/usr/bin/python3", ZC_RTSP_SETUPS_SCRIPT, serve.url(camera.ring()), "3"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out,
            "DESCRIBE RTSP/1.0 200 OK\nSETUP RTSP/1.0 200 OK\nSETUP RTSP/1.0 503 Service Unavailable\n"
            "SETUP RTSP/1.0 503 Service Unavailable\n")
      << serve.transcript();
  EXPECT_TRUE(serve.wait_for("client places is taken", 10s)) << serve.transcript();
}

// A request body is not read into memory past 64 KiB: a SET_PARAMETER announcing 2 GB is cut off (three 120 MB
// bodies once grew the server by 350 MB: attacker trial). Bounded by the event: the server closes the connection
// before the client could send 64 MiB.
TEST(ServeAccess, ARequestBodyPast64KiBClosesTheConnection) {
  TempDir dir;
  TestCamera camera("body", {}, dir.path());
  ServeProcess serve({}, {camera.ring()});
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(serve.port()));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  // Bounds for a server that would neither read nor close: the test fails instead of hanging.
  const timeval limit{15, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  const std::string head = "SET_PARAMETER " + serve.url(camera.ring()) +
                           " RTSP/1.0\r\nCSeq: 1\r\nContent-Type: text/parameters\r\nContent-Length: 2000000000\r\n\r\n";
  ASSERT_EQ(::send(fd, head.data(), head.size(), MSG_NOSIGNAL), static_cast<ssize_t>(head.size()));
  const std::string chunk(1 << 20, 'x');
  size_t sent = 0;
  for (int i = 0; i < 64; ++i) {
    const ssize_t n = ::send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  // The server ended the connection (EOF or a reset), or answered with a refusal first; a time-out is a failure.
  char answer[64] = {};
  const ssize_t got = ::recv(fd, answer, sizeof answer - 1, 0);
  const int err = errno;
  ::close(fd);
  EXPECT_LT(sent, size_t{64} << 20) << "the server read a 64 MiB body";
  const bool closed = got == 0 || (got < 0 && (err == ECONNRESET || err == EPIPE)) ||
                      (got > 0 && std::string(answer).rfind("RTSP/1.0 4", 0) == 0);
  EXPECT_TRUE(closed) << "recv: " << got << " " << std::strerror(err) << " '" << answer << "'";
}

TEST(ServeErrors, UnknownRingsAre404RingsWithoutAnRtpTrack503AndAPortInUseExitCode1) {
  TempDir dir;
  ScopedStream absent("absent");  // named, never created
  ServeProcess serve({}, {absent.name()});
  const auto not_served = describe_answer("rtsp://127.0.0.1:" + std::to_string(serve.port()) + "/nobody_serves_this");
  EXPECT_EQ(not_served.substr(0, not_served.find('\n')), "RTSP/1.0 404 Not Found") << not_served;
  const auto missing = describe_answer(serve.url(absent.name()));
  EXPECT_EQ(missing.substr(0, missing.find('\n')), "RTSP/1.0 404 Not Found") << missing;
  EXPECT_TRUE(serve.wait_for("refused a client of " + absent.name() + ": no such ring", 10s)) << serve.transcript();

  const auto busy = zcrec({"serve", "--listen", "127.0.0.1:" + std::to_string(serve.port()), absent.name()});
  EXPECT_EQ(busy.exit_code, 1);
  EXPECT_NE(busy.err.find("already in use"), std::string::npos) << busy.err;
  EXPECT_NE(busy.err.find("--listen"), std::string::npos) << busy.err;

  const auto bad_listen = zcrec({"serve", "--listen", "127.0.0.1", absent.name()});
  EXPECT_EQ(bad_listen.exit_code, 2) << bad_listen.err;
  const auto bad_name = zcrec({"serve", "--listen", "127.0.0.1:0", "no/slashes"});
  EXPECT_EQ(bad_name.exit_code, 1) << bad_name.err;
  EXPECT_NE(bad_name.err.find("no/slashes"), std::string::npos) << bad_name.err;
  ::unsetenv("ZCREC_RTSP_PASSWORD");
  const auto no_password = zcrec({"serve", "--listen", "127.0.0.1:0", "--user", "viewer", absent.name()});
  EXPECT_EQ(no_password.exit_code, 2) << no_password.err;
  EXPECT_NE(no_password.err.find("ZCREC_RTSP_PASSWORD"), std::string::npos) << no_password.err;

  // A ring whose only track RTP cannot carry here (Opus): nothing to describe.
  const auto opus = dir / "opus.mka";
  const auto made = run({kFfmpeg, "-nostdin", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
                         "-t", "3", "-c:a", "libopus", opus.string()});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  TestCamera opus_camera("opus", {"--loop"}, dir.path(), opus.string());
  ServeProcess opus_serve({}, {opus_camera.ring()});
  const auto no_track = describe_answer(opus_serve.url(opus_camera.ring()));
  EXPECT_EQ(no_track.substr(0, no_track.find('\n')), "RTSP/1.0 503 Service Unavailable") << no_track;
  EXPECT_TRUE(opus_serve.wait_for("no track that RTP can carry", 10s)) << opus_serve.transcript();

  const auto help = zcrec({"serve", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const char* w : {"--listen", "--max-clients", "--user", "keyframe", "404", "503", "401", "ZCREC_RTSP_PASSWORD"})
    EXPECT_NE(help.out.find(w), std::string::npos) << w << " missing from --help:\n" << help.out;
}

}  // namespace
}  // namespace zc::test
