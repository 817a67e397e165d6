#include "serve/serve_fixture.h"

#include <zc/fifo/error.h>
#include <zc/fifo/ring_reader.h>

#include <gtest/gtest.h>

#include <signal.h>
#include <stdlib.h>
#include <time.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <thread>

namespace zc::test {

using namespace std::chrono_literals;

namespace {

// Under AddressSanitizer (scripts/test --asan), `zcrec serve` links GLib, whose quark table's first block is
// dropped by design when it grows (16 KiB allocated in GLib's library constructor). tests/lsan.supp suppresses
// leaks allocated under _dl_init, but the fast unwinder stops at GLib's frames (no frame pointers) and never sees
// that frame: the processes these tests start unwind slowly instead.
const bool kSlowUnwindUnderAsan = [] {
  const char* asan = std::getenv("ASAN_OPTIONS");
  if (asan && std::string(asan).find("fast_unwind_on_malloc") == std::string::npos)
    ::setenv("ASAN_OPTIONS", (std::string(asan) + ":fast_unwind_on_malloc=0").c_str(), 1);
  return true;
}();

}  // namespace

TestCamera::TestCamera(const std::string& tag, const std::vector<std::string>& extra,
                       const std::filesystem::path& dir, const std::string& source)
    : stream_(tag), log_(dir / (tag + "-feed.log")) {
  std::vector<std::string> argv{kZcrec, "feed", source, "--stream", stream_.name()};
  if (source == "testsrc") argv.insert(argv.end(), {"--fps", "25", "--gop", "2s"});
  if (source == "testsrc" && std::find(extra.begin(), extra.end(), "--size") == extra.end()) {
    argv.emplace_back("--size");
    argv.emplace_back("320x240");
  }
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv_ = argv;
  start(argv);
}

void TestCamera::start(const std::vector<std::string>& argv) {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  const int64_t started_ns = int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
  feed_ = std::make_unique<Background>(argv, log_);
  // Up when this writer is alive and has written a frame (its first is a keyframe; the encoder's loop is encoded
  // first: seconds on a loaded machine).
  const auto limit = std::chrono::steady_clock::now() + 120s;
  for (;;) {
    try {
      const auto st = fifo::RingReader::inspect(stream_.name());
      if (st.writer_alive && st.writer_pid == static_cast<uint32_t>(feed_->pid()) && st.keyframes_held > 0 &&
          st.newest_mono_ns > started_ns)
        return;
    } catch (const fifo::FifoError&) {
    }
    if (!feed_->running()) throw std::runtime_error("zcrec feed ended: " + log());
    if (std::chrono::steady_clock::now() > limit) throw std::runtime_error("no keyframe in the ring: " + log());
    std::this_thread::sleep_for(20ms);
  }
}

void TestCamera::crash_and_restart(const std::vector<std::string>& extra) {
  feed_->stop(SIGKILL, 30s);
  auto argv = argv_;
  argv.insert(argv.end(), extra.begin(), extra.end());
  start(argv);
}

std::string TestCamera::log() const { return read_file(log_); }

namespace {

ChildProcess spawn_serve(const std::vector<std::string>& args, const std::vector<std::string>& rings,
                         const std::vector<std::pair<std::string, std::string>>& env) {
  std::vector<std::string> argv{kZcrec, "serve", "--listen", "127.0.0.1:0"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.insert(argv.end(), rings.begin(), rings.end());
  for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
  auto p = ChildProcess::spawn(argv);
  for (const auto& [k, v] : env) ::unsetenv(k.c_str());
  return p;
}

}  // namespace

ServeProcess::ServeProcess(const std::vector<std::string>& args, const std::vector<std::string>& rings,
                           const std::vector<std::pair<std::string, std::string>>& env)
    : process_(spawn_serve(args, rings, env)) {
  // One `serving` line per ring, those named by --push included.
  const size_t serving = rings.size() + static_cast<size_t>(std::count(args.begin(), args.end(), "--push"));
  for (size_t i = 0; i < serving; ++i) {
    // GStreamer scans its plugins at its first start on a machine: seconds, more on a loaded one.
    const auto line = wait_for("serving rtsp://", 120s);
    if (!line) throw std::runtime_error("zcrec serve did not start: " + transcript());
  }
  const auto& first = lines_.front();
  const auto colon = first.rfind(':');
  port_ = std::stoi(first.substr(colon + 1, first.find('/', colon) - colon - 1));
}

std::string ServeProcess::url(const std::string& ring) const {
  return "rtsp://127.0.0.1:" + std::to_string(port_) + "/" + ring;
}

std::optional<std::string> ServeProcess::wait_for(const std::string& text, std::chrono::milliseconds limit) {
  for (size_t i = 0; i < lines_.size(); ++i)
    if (!matched_[i] && lines_[i].find(text) != std::string::npos) {
      matched_[i] = true;
      return lines_[i];
    }
  const auto until = std::chrono::steady_clock::now() + limit;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    if (left <= 0ms) return std::nullopt;
    auto line = process_.read_line(left);
    if (!line) return std::nullopt;
    lines_.push_back(*line);
    const bool match = line->find(text) != std::string::npos;
    matched_.push_back(match);
    if (match) return line;
  }
}

std::string ServeProcess::transcript() const {
  std::ostringstream s;
  for (const auto& l : lines_) s << l << "\n";
  return s.str();
}

std::vector<std::string> ffmpeg_rtsp_input(const std::string& transport, const std::string& url) {
  return {"-rtsp_transport", transport, "-timeout", "20000000", "-i", url};
}

std::vector<std::string> video_packet_flags(const std::filesystem::path& file) {
  const auto r = run({kFfprobe, "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=flags", "-of",
                      "csv=p=0", file.string()});
  std::vector<std::string> flags;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) flags.push_back(line.substr(0, line.find(',')));
  return flags;
}

}  // namespace zc::test
