// A client that stops reading (SIGSTOP) holds up nobody: another client's frames keep arriving after the server
// has had to drop frames for the stopped one, and the stopped one, continued, resumes at a keyframe. Bounded by
// events (the server's `fell behind`/`resumed` lines, the other client's packet count), not by wall-clock luck: the
// stopped client's kernel buffers fill at the stream's rate, so the camera sends a high bitrate to get there soon.
#include "serve/serve_fixture.h"

#include <gtest/gtest.h>

#include <signal.h>

#include <cstdio>

namespace zc::test {
namespace {

using namespace std::chrono_literals;

TEST(ServeSlowClient, AStoppedClientDoesNotHoldUpAnotherAndResumesAtAKeyframe) {
  TempDir dir;
  // ~1 MB/s: the stopped client's socket buffers and its 1 MiB queue are full within seconds. The encoder runs
  // once (a one-GOP loop, replayed), so the bitrate costs no CPU.
  TestCamera camera("slow", {"--size", "1280x720", "--bitrate", "8M"}, dir.path());
  ServeProcess serve({"--client-queue", "1M"}, {camera.ring()});
  const auto url = serve.url(camera.ring());

  std::vector<std::string> a_argv{kFfmpeg, "-nostdin", "-v", "error"};
  for (auto& a : ffmpeg_rtsp_input("tcp", url)) a_argv.push_back(a);
  for (const char* a : {"-c", "copy", "-f", "null", "-"}) a_argv.emplace_back(a);
  Background stopped(a_argv, dir / "stopped.log");
  const auto a_playing = serve.wait_for("starts at keyframe", 60s);
  ASSERT_TRUE(a_playing) << serve.transcript();
  const std::string a_id = a_playing->substr(0, a_playing->find(':'));  // "client N ring"
  ASSERT_EQ(::kill(stopped.pid(), SIGSTOP), 0);

  // The other client: one line per received packet (framecrc of the copied stream), read as they come.
  std::vector<std::string> b_argv{kFfmpeg, "-nostdin", "-v", "error"};
  for (auto& a : ffmpeg_rtsp_input("tcp", url)) b_argv.push_back(a);
  for (const char* a : {"-map", "0:v", "-c", "copy", "-copyinkf", "-flush_packets", "1", "-f", "framecrc", "-"})
    b_argv.emplace_back(a);
  ChildProcess other = ChildProcess::spawn(b_argv);
  int packets = 0;
  const auto next_packets = [&](int n) {
    for (int got = 0; got < n;) {
      auto line = other.read_line(60s);
      if (!line) return false;
      if (!line->empty() && line->front() != '#') ++got, ++packets;
    }
    return true;
  };
  ASSERT_TRUE(next_packets(25)) << "the other client got no frames";

  // The server drops frames for the stopped client once its queue is full...
  ASSERT_TRUE(serve.wait_for(a_id + ": fell behind", 120s)) << serve.transcript();
  // ...and the other client goes on: 4 s more of frames after that moment.
  const int before = packets;
  EXPECT_TRUE(next_packets(100)) << "the other client stalled after the server dropped for the stopped one; got "
                                 << packets - before;

  // Continued, the stopped client drains its backlog and is sent frames again, from a keyframe.
  ASSERT_EQ(::kill(stopped.pid(), SIGCONT), 0);
  const auto resumed = serve.wait_for(a_id + ": resumed at a keyframe", 120s);
  ASSERT_TRUE(resumed) << serve.transcript();
  unsigned long long dropped = 0;
  ASSERT_EQ(std::sscanf(resumed->c_str() + resumed->find("after dropping"), "after dropping %llu", &dropped), 1);
  EXPECT_GT(dropped, 0u);
  EXPECT_TRUE(next_packets(25));
  std::printf("[ events  ]\n%s", serve.transcript().c_str());
  other.kill(SIGKILL);
  EXPECT_TRUE(stopped.running()) << read_file(dir / "stopped.log");
}

}  // namespace
}  // namespace zc::test
