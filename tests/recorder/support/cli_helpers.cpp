#include "recorder/support/cli_helpers.h"

#include <zc/fifo/error.h>
#include <zc/fifo/ring_reader.h>

#include <gtest/gtest.h>

#include <sys/mount.h>

#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace zc::test {

using nlohmann::json;

CommandResult zcrec(std::vector<std::string> args) {
  args.insert(args.begin(), ZCREC_BIN);
  return run_command(args);
}

json last_json_line(const std::string& out) {
  json last;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] == '{') last = json::parse(line, nullptr, false);
  }
  return last;
}

std::optional<json> read_json_until(ChildProcess& child, const std::string& text, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    const auto line = child.read_line(std::max(left, std::chrono::milliseconds(1)));
    if (!line) return std::nullopt;
    const auto j = json::parse(*line, nullptr, false);
    if (!j.is_object()) continue;
    if (j.value("message", "").find(text) != std::string::npos || j.value("event", "").find(text) != std::string::npos)
      return j;
  }
  return std::nullopt;
}

void expect_segments_playable(const catalog::Catalog& c) {
  for (const auto& s : c.all_segments()) {
    const auto path = c.absolute_path(s);
    ASSERT_TRUE(std::filesystem::exists(path)) << s.path;
    EXPECT_EQ(static_cast<int64_t>(std::filesystem::file_size(path)), s.size_bytes) << s.path;
    if (s.frames == 0) continue;
    const auto md5 = frame_md5s(path);
    EXPECT_GE(static_cast<int64_t>(md5.size()), s.frames - 2) << s.path;
    EXPECT_LE(static_cast<int64_t>(md5.size()), s.frames) << s.path;
    const auto info = probe(path);
    ASSERT_FALSE(info["frames"].empty()) << s.path;
    EXPECT_EQ(info["frames"][0]["key_frame"], 1) << s.path;
  }
}

SmallTmpfs::SmallTmpfs(const std::filesystem::path& where, const std::string& size) : where_(where) {
  std::filesystem::create_directories(where);
  mounted_ = ::mount("tmpfs", where.c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0;
}

SmallTmpfs::~SmallTmpfs() {
  if (mounted_) ::umount2(where_.c_str(), MNT_DETACH);
}

TestsrcCamera TestsrcCamera::start(const std::string& stream, const std::string& size,
                                   const std::vector<std::string>& extra, const std::string& ring_size) {
  std::vector<std::string> args = {ZCREC_BIN, "feed", "testsrc", "--stream", stream,   "--size",      size,
                                   "--fps",   "30",   "--gop",   "1s",       "--bframes", "2", "--ring-size", ring_size};
  args.insert(args.end(), extra.begin(), extra.end());
  TestsrcCamera cam(ChildProcess::spawn(args));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  const uint32_t pid = static_cast<uint32_t>(cam.child_.pid());
  std::optional<uint64_t> frames_before;
  while (std::chrono::steady_clock::now() < deadline) {
    try {
      const auto st = fifo::RingReader::inspect(stream);
      if (st.writer_alive && st.writer_pid == pid) {
        if (!frames_before) frames_before = st.frames_written;
        else if (st.frames_written > *frames_before) return cam;
      }
    } catch (const fifo::FifoError&) {
      // Not created yet (the camera encodes its loop first).
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error("zcrec feed testsrc did not start writing " + stream);
}

}  // namespace zc::test
