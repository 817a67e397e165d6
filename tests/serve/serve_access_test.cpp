// What `zcrec serve` refuses, and how a client learns it: wrong or missing credentials 401 (nothing served), the
// client past --max-clients 503 (and its place comes back when a client leaves), a ring nobody serves or that does
// not exist 404, a ring with no track RTP can carry 503; a port in use is a clear error with exit code 1; --help
// explains.
#include "serve/serve_fixture.h"

#include <gtest/gtest.h>

#include <signal.h>

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
