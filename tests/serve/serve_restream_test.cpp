// Restream out (zc::restream, `zcrec restream`): a camera's ring pushed to a real RTSP server that accepts
// ANNOUNCE/RECORD — here `zcrec serve --push`, a gst-rtsp-server — where ffmpeg then plays it from a keyframe and
// decodes it without an error. The server is killed (SIGKILL) and started again on the same port: the restream
// connects again by itself and the stream is playable there again. Bounded by events: the server's `pushing`
// lines, the restream's own lines, ffmpeg's exit.
#include "serve/serve_fixture.h"
#include "rtsp_camera.h"

#include <gtest/gtest.h>

#include <signal.h>

namespace zc::test {
namespace {

using namespace std::chrono_literals;

// ffmpeg plays `url` over TCP for 2 s: its exit code and stderr (empty when it decoded without an error), and
// whether the first frame it decoded was a keyframe.
struct Played {
  int exit_code = -1;
  std::string errors;
  bool first_is_key = false;
};

Played play(const std::string& url) {
  std::vector<std::string> a{kFfprobe, "-v", "error"};
  for (auto& arg : ffmpeg_rtsp_input("tcp", url)) a.push_back(arg);
  for (const char* arg : {"-read_intervals", "%+2", "-select_streams", "v:0", "-show_entries", "frame=key_frame", "-of",
                          "csv=p=0"})
    a.emplace_back(arg);
  const auto r = run(a);
  return {r.exit_code, r.err, r.out.rfind("1", 0) == 0};
}

// The restream's own lines go to stderr (the test log); its progress is read at the server: its `pushing` line.
bool wait_for_push(ChildProcess& server, const std::string& ring) {
  for (;;) {
    const auto line = server.read_line(60s);
    if (!line) return false;
    if (line->find("pusher") != std::string::npos && line->find(ring + ": pushing") != std::string::npos) return true;
  }
}

TEST(Restream, ARingPushedToAnRtspServerPlaysThereAndFollowsTheServersRestart) {
  TempDir dir;
  TestCamera camera("restream_src", {}, dir.path());
  ScopedStream target("restream_dst");
  const int port = free_local_port();
  const std::vector<std::string> server_argv{kZcrec, "serve", "--listen", "127.0.0.1:" + std::to_string(port),
                                             "--push", target.name()};
  auto server = std::make_unique<ChildProcess>(ChildProcess::spawn(server_argv));
  ASSERT_TRUE(server->read_line(120s).value_or("").rfind("serving rtsp://", 0) == 0);
  const std::string url = "rtsp://127.0.0.1:" + std::to_string(port) + "/" + target.name();

  ChildProcess restream = ChildProcess::spawn({kZcrec, "restream", camera.ring(), url, "--retry-max", "1s"});
  ASSERT_TRUE(wait_for_push(*server, target.name())) << "the restream never pushed";
  Played p = play(url);
  EXPECT_EQ(p.exit_code, 0) << p.errors;
  EXPECT_EQ(p.errors, "") << "decoding errors";
  EXPECT_TRUE(p.first_is_key);

  // The server crashes; the restream's writes fail, it waits (1 s at most) and connects again once a server is
  // back on the port.
  server->kill(SIGKILL);
  server->wait(10s);
  server = std::make_unique<ChildProcess>(ChildProcess::spawn(server_argv));
  ASSERT_TRUE(server->read_line(120s).value_or("").rfind("serving rtsp://", 0) == 0);
  ASSERT_TRUE(wait_for_push(*server, target.name())) << "the restream did not connect again";
  p = play(url);
  EXPECT_EQ(p.exit_code, 0) << p.errors;
  EXPECT_EQ(p.errors, "") << "decoding errors";
  EXPECT_TRUE(p.first_is_key);

  // SIGTERM ends it cleanly, with a summary that counts both connections.
  restream.kill(SIGTERM);
  std::string summary;
  while (auto line = restream.read_line(30s)) summary += *line;
  EXPECT_NE(summary.find("restreamed ring '" + camera.ring() + "'"), std::string::npos) << summary;
  EXPECT_NE(summary.find(": 2 connections"), std::string::npos) << summary;
  const auto status = restream.wait(30s);
  ASSERT_TRUE(status);
  EXPECT_TRUE(exited_with(*status, 0));
  server->kill(SIGTERM);
  server->wait(30s);
}

// What waiting cannot fix is an error at once, with a message: a ring that does not exist, a URL whose scheme
// says no format.
TEST(Restream, AMissingRingOrAnUnknownSchemeIsAClearErrorAtOnce) {
  auto r = run({kZcrec, "restream", "no_such_ring_restream", "rtsp://127.0.0.1:9/x"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("cannot read ring 'no_such_ring_restream'"), std::string::npos) << r.err;
  TempDir dir;
  TestCamera camera("restream_bad", {}, dir.path());
  r = run({kZcrec, "restream", camera.ring(), "gopher://example/x"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("cannot tell the output format"), std::string::npos) << r.err;
  r = run({kZcrec, "restream", camera.ring(), "rtsp://user:secret@127.0.0.1:9/x", "--retry-max", "0.1s",
           "--format", "no_such_muxer"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("no 'no_such_muxer' output"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("secret"), std::string::npos) << "the password was printed: " << r.err;
}

}  // namespace
}  // namespace zc::test
