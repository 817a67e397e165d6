// Every subcommand of the live-ring CLI explains itself (--help), rejects bad usage with exit code 2, and
// turns bad input into a one-line message with exit code 1, never a crash.
#include "cli/media_fixtures.h"
#include "support/test_support.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <thread>

#include <signal.h>

namespace zc::test {
namespace {

TEST(CliUsage, HelpOnEveryLiveRingSubcommand) {
  for (const char* sub : {"feed", "cat", "stat", "rm"}) {
    const auto r = zcrec({sub, "--help"});
    EXPECT_EQ(r.exit_code, 0) << sub;
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << sub << ": " << r.out;
  }
}

TEST(CliUsage, UsageErrorsExitTwo) {
  const std::vector<std::vector<std::string>> cases = {
      {},
      {"feed"},
      {"feed", "x.h264"},
      {"feed", "testsrc", "--stream", "s", "--codec", "vp9"},
      {"feed", "testsrc", "--stream", "s", "--ring-size", "lots"},
      {"feed", "testsrc", "--stream", "s", "--fps", "0"},
      {"feed", "testsrc", "--stream", "s", "--duration", "5 fortnights"},
      {"cat"},
      {"cat", "s", "--start", "sideways"},
      {"cat", "s", "--track", "subtitles"},
      {"cat", "s", "--frames", "-3"},
      {"stat"},
      {"stat", "s", "--no-such-option"},
      {"rm"},
      {"no-such-command"},
  };
  for (const auto& args : cases) {
    const auto r = zcrec(args);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    EXPECT_EQ(r.exit_code, 2) << joined << "\n" << r.err;
  }
}

// A number option given text is told so, not that the text is out of range (CLI11's Range said "Value abc not in
// range 1400 to 65535": attacker trial); a number out of range still says the range.
TEST(CliUsage, TextWhereANumberBelongsIsNotANumberNotOutOfRange) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"serve", "s", "--tcp-packet-bytes", "abc"}, "--tcp-packet-bytes: abc is not a number"},
      {{"serve", "s", "--tcp-packet-bytes", "5"}, "not in range 1400 to 65535"},
      {{"feed", "testsrc", "--stream", "s", "--fps", "many"}, "--fps: many is not a number"},
      {{"bench", "rtsp", "--clients", "x"}, "--clients: x is not a number"},
  };
  for (const auto& [args, message] : cases) {
    const auto r = zcrec(args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
  }
}

void expect_runtime_error(const std::vector<std::string>& args, const std::string& message_part) {
  const auto r = zcrec(args);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find(message_part), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "one line expected: " << r.err;
}

TEST(CliErrors, MissingFile) {
  ScopedStream stream("missing");
  expect_runtime_error({"feed", "/nonexistent/dir/cam.h264", "--stream", stream.name()}, "No such file");
}

TEST(CliErrors, GarbageFile) {
  TempDir dir;
  ScopedStream stream("garbage");
  std::mt19937 rng(7);
  std::ofstream out(dir / "garbage.h264", std::ios::binary);
  for (int i = 0; i < 64 * 1024; ++i) out.put(static_cast<char>(rng() & 0xFF));
  out.close();
  const auto r = zcrec({"feed", (dir / "garbage.h264").string(), "--stream", stream.name(), "--max-rate"});
  // libavformat may or may not recognise random bytes; either way zcrec must fail cleanly or write nothing
  // that is not H.264. Random data has no SPS, so a clean failure is what we expect.
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("zcrec:"), std::string::npos) << r.err;
}

TEST(CliErrors, UnsupportedCodec) {
  TempDir dir;
  ScopedStream stream("mpeg4");
  const auto encoded = run({"ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10", "-t",
                            "1", "-c:v", "mpeg4", (dir / "in.mkv").string()});
  ASSERT_EQ(encoded.exit_code, 0) << encoded.err;
  expect_runtime_error({"feed", (dir / "in.mkv").string(), "--stream", stream.name()}, "no track zcrec can carry");
}

TEST(CliErrors, BadStreamName) {
  for (const char* name : {"../etc", "a/b", ".hidden", "bad name", ""}) {
    const auto r = zcrec({"feed", "testsrc", "--stream", name});
    EXPECT_EQ(r.exit_code, 1) << name << ": " << r.err;
    EXPECT_NE(r.err.find("name"), std::string::npos) << r.err;
  }
  expect_runtime_error({"cat", "../etc"}, "name");
  expect_runtime_error({"stat", "a/b"}, "name");
}

TEST(CliErrors, MissingStream) {
  const std::string name = unique_stream_name("absent");
  expect_runtime_error({"cat", name}, name);
  expect_runtime_error({"stat", name}, name);
  expect_runtime_error({"rm", name}, name);
}

TEST(CliErrors, BadTestsrcOptions) {
  ScopedStream stream("badsrc");
  expect_runtime_error({"feed", "testsrc", "--stream", stream.name(), "--size", "99x99"}, "size");
  expect_runtime_error({"feed", "testsrc", "--stream", stream.name(), "--bit-depth", "10"}, "bit depth");
}

}  // namespace
}  // namespace zc::test

namespace zc::test {
namespace {

// Only recording creates storage: a mistyped --dir given to any other command is an error that creates nothing,
// whether the directory is missing or exists without a catalog.
TEST(CliErrors, CommandsThatDoNotRecordNeverCreateStorage) {
  TempDir base;
  const auto missing = base / "no" / "such" / "dir";
  const auto empty = base / "empty";
  std::filesystem::create_directories(empty);
  const std::vector<std::vector<std::string>> commands = {
      {"list"},
      {"list", "--json"},
      {"check"},
      {"check", "--repair"},
      {"prune", "--max-age", "1d"},
      {"lock", "1"},
      {"unlock", "1"},
      {"play", "--stream", "cam", "--from", "-1h", "--to", "now", "--out", "-"},
      {"export", "--stream", "cam", "--from", "-1h", "--to", "now", "-o", (base / "x.mp4").string()},
  };
  for (const auto& [dir, expected] : {std::pair{missing, std::string("the directory does not exist")},
                                      std::pair{empty, std::string("catalog.db is missing")}}) {
    for (auto args : commands) {
      std::string joined;
      for (const auto& a : args) joined += a + " ";
      args.push_back("--dir");
      args.push_back(dir.string());
      const auto r = zcrec(args);
      EXPECT_EQ(r.exit_code, 1) << joined << dir << "\n" << r.err;
      EXPECT_NE(r.err.find(expected), std::string::npos) << joined << "\n" << r.err;
    }
  }
  EXPECT_FALSE(std::filesystem::exists(base / "no"));
  EXPECT_TRUE(std::filesystem::is_empty(empty));
  EXPECT_FALSE(std::filesystem::exists(base / "x.mp4"));
}

}  // namespace
}  // namespace zc::test

namespace zc::test {
namespace {

using namespace std::chrono_literals;

// Found by trying to break it: a ring size beyond 2^63 looped forever rounding up to a power of two, and a wait
// for a stream that never comes ignored SIGINT/SIGTERM (and an absurd one overflowed the clock).
TEST(CliErrors, AbsurdSizesAndWaitsAreRefusedAndWaitingObeysSignals) {
  ScopedStream stream("absurd");
  expect_runtime_error({"feed", "testsrc", "--stream", stream.name(), "--ring-size", "100G"},
                       "exceeds the maximum of 64 GiB");
  // Past what int64 bytes hold: zc::units refuses it as a value (a usage error), as zcrecd's ring_size does.
  EXPECT_EQ(zcrec({"feed", "testsrc", "--stream", stream.name(), "--ring-size", "9999999999999999999"}).exit_code, 2);
  EXPECT_EQ(zcrec({"cat", stream.name(), "--wait", "1e15"}).exit_code, 2);
  expect_runtime_error({"cat", stream.name(), "--wait", "300ms"}, "did not appear within 0.300 s");
  TempDir dir;
  Background cat({kZcrec, "cat", stream.name(), "--wait", "1h"}, dir / "cat.log");
  std::this_thread::sleep_for(300ms);
  const auto asked = std::chrono::steady_clock::now();
  EXPECT_EQ(cat.stop(SIGTERM, 5s), 0) << read_file(dir / "cat.log");
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 2s);
}

}  // namespace
}  // namespace zc::test

namespace zc::test {
namespace {

// Durations past what nanoseconds hold used to wrap around ("none came back within -9223372036.855 s").
TEST(CliUsage, DurationsTooLargeForNanosecondsAreUsageErrors) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"cat", "s", "--writer-grace", "1e18"}, {"cat", "s", "--writer-grace", "1e400"},
        {"start", "s", "--preroll", "1e20s"}, {"feed", "rtsp://127.0.0.1:1/x", "--stream", "s", "--read-timeout", "1e30"},
        {"feed", "rtsp://127.0.0.1:1/x", "--stream", "s", "--read-timeout", "0"}}) {
    const auto r = zcrec(args);
    EXPECT_EQ(r.exit_code, 2) << args[0] << " " << args[2] << " " << args[3] << "\n" << r.err;
  }
}

}  // namespace
}  // namespace zc::test
