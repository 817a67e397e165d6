// `zcrec cat` as a live consumer: it keeps reading when the camera process (the ring's writer) is killed and
// started again within --writer-grace, ends with an error that says why when no writer comes back, and ends
// with 0 when a finite input was fed to its end.
#include "cli/media_fixtures.h"
#include "support/test_support.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

namespace zc::test {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> testsrc_feed(const std::string& stream) {
  return {kZcrec, "feed", "testsrc", "--stream", stream, "--size", "320x240", "--fps", "30", "--gop", "1s"};
}

TEST(CatWriterRestart, KeepsReadingAcrossAKilledAndRestartedWriter) {
  TempDir dir;
  ScopedStream stream("catrestart");
  const auto video = dir / "live.h264";
  auto first = std::make_unique<Background>(testsrc_feed(stream.name()), dir / "feed1.log");
  // 150 frames at 30 fps is 5 s: more than the first writer lives, so cat can only finish through the second.
  RunResult cat;
  std::thread reader([&] {
    cat = zcrec({"cat", stream.name(), "--wait", "20s", "--start", "now", "--frames", "150", "--writer-grace",
                 "20s"},
                video);
  });
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(first->stop(SIGKILL, 5s), -SIGKILL);
  std::this_thread::sleep_for(1000ms);
  Background second(testsrc_feed(stream.name()), dir / "feed2.log");
  reader.join();

  ASSERT_EQ(cat.exit_code, 0) << cat.err << read_file(dir / "feed2.log");
  EXPECT_NE(cat.err.find("is gone: waiting up to 20.000 s"), std::string::npos) << cat.err;
  EXPECT_NE(cat.err.find("has a writer again"), std::string::npos) << cat.err;
  EXPECT_EQ(probe_stream(video, "nb_read_frames", "h264"), "nb_read_frames=150\n");
  const auto decode = run({"ffmpeg", "-v", "error", "-f", "h264", "-i", video.string(), "-f", "null", "-"});
  EXPECT_EQ(decode.exit_code, 0);
  EXPECT_EQ(decode.err, "") << "the frames from both writers decode without errors";
}

TEST(CatWriterRestart, EndsWithAnErrorWhenNoWriterComesBackWithinTheGrace) {
  TempDir dir;
  ScopedStream stream("catgone");
  Background feed(testsrc_feed(stream.name()), dir / "feed.log");
  RunResult cat;
  std::thread reader([&] {
    cat = zcrec({"cat", stream.name(), "--wait", "20s", "--start", "now", "--writer-grace", "1s"}, dir / "out.h264");
  });
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(feed.stop(SIGKILL, 5s), -SIGKILL);
  reader.join();

  EXPECT_EQ(cat.exit_code, 1) << cat.err;
  EXPECT_NE(cat.err.find("the writer of stream '" + stream.name() + "' is gone and none came back within 1.000 s"),
            std::string::npos)
      << cat.err;
  EXPECT_GT(std::filesystem::file_size(dir / "out.h264"), 0u) << "what came before the writer died was written";
}

TEST(CatWriterRestart, EndsWithZeroWhenAFiniteInputWasFedToItsEnd) {
  TempDir dir;
  ScopedStream stream("catfinite");
  const auto input = dir / "in.h264";
  encode({.seconds = 2, .gop = 25, .bframes = 0}, input);
  // cat waits for the ring and follows the paced feed live; the feed's end-of-stream mark ends it at once.
  RunResult cat;
  std::thread reader([&] {
    cat = zcrec({"cat", stream.name(), "--wait", "20s", "--start", "oldest"}, dir / "out.h264");
  });
  const auto fed = zcrec({"feed", input.string(), "--stream", stream.name()});
  const auto fed_at = std::chrono::steady_clock::now();
  reader.join();
  ASSERT_EQ(fed.exit_code, 0) << fed.err;
  EXPECT_EQ(cat.exit_code, 0) << cat.err;
  EXPECT_LT(std::chrono::steady_clock::now() - fed_at, 5s) << "cat did not wait out its writer grace";
  EXPECT_EQ(read_file(dir / "out.h264"), read_file(input));
}

}  // namespace
}  // namespace zc::test
