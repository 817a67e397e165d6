// Top-level box walking of real fragmented MP4 output: every cut point yields a prefix that ends at a complete
// fragment, and that prefix decodes.
#include <zc/fifo/frame.h>

#include <gtest/gtest.h>

#include "mp4_layout.h"
#include "recorder/support/media_check.h"
#include "recorder/support/temp_dir.h"

#include <filesystem>

using namespace zc::recorder;
using namespace zc::test;

TEST(Mp4Layout, CutFileKeepsCompleteFragmentsAndDecodes) {
  TempDir d("layout");
  const auto src = d.path() / "src.mp4";
  ClipSpec spec;
  spec.seconds = 4;
  make_clip(src, spec);
  const auto frag = d.path() / "frag.mp4";
  ASSERT_EQ(run_command({"ffmpeg", "-nostdin", "-v", "error", "-i", src.string(), "-c", "copy", "-movflags",
                         "frag_keyframe+empty_moov+default_base_moof", frag.string()})
                .exit_code,
            0);
  const auto full = scan_mp4(frag);
  ASSERT_TRUE(full.has_moov);
  ASSERT_GE(full.fragments.size(), 4u);
  EXPECT_EQ(full.valid_end, full.file_bytes);
  const auto all_md5 = frame_md5s(frag);
  for (double cut : {0.37, 0.61, 0.83}) {
    const auto part = d.path() / "part.mp4";
    std::filesystem::copy_file(frag, part, std::filesystem::copy_options::overwrite_existing);
    std::filesystem::resize_file(part, static_cast<uintmax_t>(static_cast<double>(full.file_bytes) * cut));
    const auto l = scan_mp4(part);
    EXPECT_LT(l.valid_end, static_cast<int64_t>(static_cast<double>(full.file_bytes) * cut) + 1);
    bool on_boundary = false;
    for (const auto& f : full.fragments) on_boundary |= f.end == l.valid_end;
    EXPECT_TRUE(on_boundary) << "cut " << cut;
    std::filesystem::resize_file(part, static_cast<uintmax_t>(l.valid_end));
    const auto md5 = frame_md5s(part);
    ASSERT_FALSE(md5.empty());
    EXPECT_EQ(md5, std::vector<std::string>(all_md5.begin(), all_md5.begin() + static_cast<long>(md5.size())));
  }
}
