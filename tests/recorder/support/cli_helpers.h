// For tests that run the recorder commands as processes: the zcrec binary (ZCREC_BIN, defined by the test
// target), its JSON lines, a live `zcrec feed testsrc` camera, and the judgement of every segment of a catalog
// by decoding it and by ffprobe.
#pragma once

#include <zc/catalog/catalog.h>

#include <nlohmann/json.hpp>

#include "recorder/support/media_check.h"
#include "support/child_process.h"

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace zc::test {

// Runs `zcrec args...` to completion; stdout captured, stderr to the test log.
CommandResult zcrec(std::vector<std::string> args);

// The last line of `out` that is a JSON object (a command's summary).
nlohmann::json last_json_line(const std::string& out);

// Reads JSON lines from a running `zcrec start --json` until one's "message" or "event" contains `text`.
std::optional<nlohmann::json> read_json_until(ChildProcess& child, const std::string& text,
                                              std::chrono::milliseconds timeout);

// Every segment of the catalog: decodes (all frames but B-frames cut off at the end), starts on a keyframe,
// and its row's size matches the file.
void expect_segments_playable(const catalog::Catalog& c);

// `zcrec feed testsrc --stream NAME --size SIZE` (GOP 1 s, 30 fps, B-frames) as a live camera. start() returns
// once this process writes frames into the ring (creating it, or taking it over from a dead writer). `extra`
// adds feed options (e.g. --bitrate 3M).
// A tmpfs that is unmounted (lazily, even if busy) when the test ends; mounted() is false without root.
class SmallTmpfs {
 public:
  SmallTmpfs(const std::filesystem::path& where, const std::string& size);
  ~SmallTmpfs();
  SmallTmpfs(const SmallTmpfs&) = delete;
  SmallTmpfs& operator=(const SmallTmpfs&) = delete;
  bool mounted() const { return mounted_; }

 private:
  std::filesystem::path where_;
  bool mounted_ = false;
};

class TestsrcCamera {
 public:
  static TestsrcCamera start(const std::string& stream, const std::string& size,
                             const std::vector<std::string>& extra = {}, const std::string& ring_size = "8M");
  void kill(int signal) { child_.kill(signal); }
  std::optional<int> wait(std::chrono::milliseconds timeout) { return child_.wait(timeout); }

 private:
  explicit TestsrcCamera(ChildProcess child) : child_(std::move(child)) {}
  ChildProcess child_;
};

}  // namespace zc::test
