// The libraries describe a bad value in their own terms; only a front end knows which flag (zcrec) or key
// (zcrecd) set it. These tests make each library error that once named a CLI flag happen for real and check that
// no "--" is left in it, that zcrec adds its flag, and that no string literal in the modules' sources names one.
#include <zc/catalog/catalog.h>
#include <zc/catalog/error.h>
#include <zc/fifo/error.h>
#include <zc/fifo/ring_writer.h>
#include <zc/playback/error.h>
#include <zc/playback/timeline.h>

#include <gtest/gtest.h>

#include "recorder/support/temp_dir.h"
#include "support/test_support.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

using namespace zc;

namespace {

// Runs a shell command line and returns what it wrote (stdout and stderr).
std::string output_of(const std::string& command) {
  std::string out;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  ::pclose(p);
  return out;
}

// The line without its // comment (a "//" inside a string literal, as in "rtsp://", is not one).
std::string code_of(const std::string& line) {
  bool in_string = false;
  for (size_t i = 0; i < line.size(); ++i) {
    if (in_string && line[i] == '\\') {
      ++i;
    } else if (!in_string && line[i] == '\'') {  // a character literal such as '"'
      i += line.compare(i, 2, "'\\") == 0 ? 3 : 2;
    } else if (line[i] == '"') {
      in_string = !in_string;
    } else if (!in_string && line[i] == '/' && i + 1 < line.size() && line[i + 1] == '/') {
      return line.substr(0, i);
    }
  }
  return line;
}

}  // namespace

TEST(LibraryMessages, NoCatalogSaysWhatIsMissingWithoutAFlag) {
  test::TempDir d("msg_catalog");
  for (const auto& dir : {d.path() / "absent", d.path()}) {
    try {
      catalog::Catalog::open_existing(dir, catalog::Catalog::Access::read_only);
      FAIL() << "opened " << dir;
    } catch (const catalog::CatalogError& e) {
      EXPECT_EQ(e.code(), catalog::CatalogErrc::no_catalog);
      EXPECT_NE(std::string(e.what()).find(dir.string()), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).find("--"), std::string::npos) << e.what();
    }
  }
}

TEST(LibraryMessages, AnEmptyRangeSaysSoWithoutAFlag) {
  test::TempDir d("msg_range");
  const auto c = catalog::Catalog::open(d.path());
  try {
    playback::Timeline::of_catalog(c, "cam", 2'000'000'000, 1'000'000'000, 0);
    FAIL() << "an empty range was accepted";
  } catch (const playback::PlaybackError& e) {
    EXPECT_EQ(e.code(), playback::PlaybackErrc::invalid_argument);
    EXPECT_EQ(std::string(e.what()).find("--"), std::string::npos) << e.what();
  }
}

TEST(LibraryMessages, AFrameTooLargeForTheRingSaysSoWithoutAFlag) {
  test::ScopedStream s("msg_big");
  fifo::RingOptions o;
  o.data_bytes = 256 * 1024;
  o.index_entries = 64;
  auto w = fifo::RingWriter::open(s.name(), o);
  w.set_stream_info(test::video_stream_info());
  const std::vector<std::byte> frame(w.max_frame_bytes() + 1);
  fifo::FrameMeta m;
  m.flags = fifo::frame_flag::keyframe;
  m.wall_ns = m.mono_ns = 1'000'000'000;
  try {
    w.write(m, frame.data(), frame.size());
    FAIL() << "a frame over the limit was written";
  } catch (const fifo::FifoError& e) {
    EXPECT_EQ(e.code(), fifo::FifoErrc::frame_too_large);
    EXPECT_NE(std::string(e.what()).find("ring must be larger"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("--"), std::string::npos) << e.what();
  }
}

// The same error through zcrec: the CLI names its flag.
TEST(LibraryMessages, ZcrecAddsItsFlagToALibraryError) {
  test::TempDir d("msg_cli");
  const std::string out = output_of(std::string(ZCREC_BIN) + " list --dir '" + (d.path() / "absent").string() + "'");
  EXPECT_NE(out.find("no catalog in"), std::string::npos) << out;
  EXPECT_NE(out.find("--dir or $ZCREC_DIR"), std::string::npos) << out;
}

// Every string literal of the library modules' sources: none names a command-line flag ("--name"). Comments may.
TEST(LibraryMessages, NoStringLiteralInTheLibrariesNamesAFlag) {
  const std::regex flag(R"re("(?:[^"\\]|\\.)*--[a-z](?:[^"\\]|\\.)*")re");
  int files = 0;
  for (const char* module : {"fifo", "media", "catalog", "recorder", "playback"}) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(std::filesystem::path(ZC_SOURCE_DIR) / module)) {
      const auto ext = entry.path().extension();
      if (ext != ".cpp" && ext != ".h" && ext != ".c") continue;
      ++files;
      std::ifstream in(entry.path());
      int line_no = 0;
      for (std::string line; std::getline(in, line);) {
        ++line_no;
        EXPECT_FALSE(std::regex_search(code_of(line), flag)) << entry.path().string() << ":" << line_no << ": " << line;
      }
    }
  }
  EXPECT_GT(files, 50);
}
