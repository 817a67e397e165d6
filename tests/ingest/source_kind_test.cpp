// One classification of a source for `zcrec feed` and zcrecd: network camera, synthetic camera, live path, file.
#include <zc/ingest/source_kind.h>

#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

using namespace zc::ingest;

namespace {

class SourceKindDir : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("zc_source_kind_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

}  // namespace

TEST(SourceKind, NetworkSchemesAreCamerasWhateverTheirCase) {
  for (const char* url : {"rtsp://cam/s", "RTSP://admin@cam:554/s?x=1", "rtsps://cam/s", "rtmp://h/app/key",
                          "http://h/live.ts", "HTTPS://h/x.m3u8", "udp://@:5000", "srt://h:9000", "tcp://h:1"}) {
    const SourceChoice c = classify_source(url);
    EXPECT_EQ(c.kind, SourceKind::network_camera) << url;
    EXPECT_TRUE(c.is_live()) << url;
  }
  EXPECT_EQ(classify_source("RTSP://cam/s").scheme, "rtsp");
  EXPECT_TRUE(classify_source("RTSP://cam/s").is_rtsp());
  EXPECT_TRUE(classify_source("rtsps://cam/s").is_rtsp());
  EXPECT_FALSE(classify_source("rtspx://cam/s").is_rtsp());  // today's rfind("rtsp") said it was
  EXPECT_FALSE(classify_source("rtmp://cam/s").is_rtsp());
}

TEST(SourceKind, FileUrlsAndPathsThatLookLikeUrlsAreFiles) {
  EXPECT_EQ(classify_source("file:///tmp/a.mp4").kind, SourceKind::file);
  EXPECT_EQ(classify_source("FILE:///tmp/a.mp4").kind, SourceKind::file);
  EXPECT_EQ(classify_source("./dir/a://b.mp4").kind, SourceKind::file);  // not a scheme: a path
  EXPECT_EQ(classify_source("://x").kind, SourceKind::file);
  EXPECT_EQ(classify_source("1rtsp://x").kind, SourceKind::file);  // a scheme starts with a letter
  EXPECT_EQ(classify_source("FILE:///tmp/a.mp4").scheme, "file");
  EXPECT_TRUE(classify_source("/tmp/a.mp4").scheme.empty());
}

TEST(SourceKind, TestsrcIsTheSyntheticCameraOnlyAsTheWholeString) {
  EXPECT_EQ(classify_source("testsrc").kind, SourceKind::synthetic_camera);
  EXPECT_FALSE(classify_source("testsrc").is_live());
  EXPECT_EQ(classify_source("TESTSRC").kind, SourceKind::file);
  EXPECT_EQ(classify_source("testsrc ").kind, SourceKind::file);
}

TEST_F(SourceKindDir, AFileNamedTestsrcInADirectoryIsAFile) {
  const auto file = dir_ / "testsrc";
  std::ofstream(file) << "not a camera";
  EXPECT_EQ(classify_source(file.string()).kind, SourceKind::file);
  EXPECT_EQ(classify_source("./testsrc").kind, SourceKind::file);
}

TEST_F(SourceKindDir, FifosSocketsDevicesAndStdinAreLivePaths) {
  const auto fifo = dir_ / "camera.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0) << std::strerror(errno);
  EXPECT_EQ(classify_source(fifo.string()).kind, SourceKind::live_path);
  EXPECT_TRUE(classify_source(fifo.string()).is_live());
  EXPECT_EQ(classify_source("/dev/null").kind, SourceKind::live_path);  // a character device
  EXPECT_EQ(classify_source("-").kind, SourceKind::live_path);

  const auto sock_path = dir_ / "camera.sock";
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, sock_path.c_str(), sizeof addr.sun_path - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0) << std::strerror(errno);
  EXPECT_EQ(classify_source(sock_path.string()).kind, SourceKind::live_path);
  ::close(fd);
}

TEST_F(SourceKindDir, RegularAndMissingFilesAreFilesPlayedAsCameras) {
  const auto file = dir_ / "clip.mp4";
  std::ofstream(file) << "x";
  EXPECT_EQ(classify_source(file.string()).kind, SourceKind::file);
  EXPECT_FALSE(classify_source(file.string()).is_live());
  EXPECT_EQ(classify_source((dir_ / "missing.mp4").string()).kind, SourceKind::file);
  EXPECT_EQ(classify_source(dir_.string()).kind, SourceKind::file);  // a directory: the reader says what is wrong
  EXPECT_EQ(classify_source("").kind, SourceKind::file);
}
