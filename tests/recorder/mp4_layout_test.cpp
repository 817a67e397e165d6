// Top-level box walking of real fragmented MP4 output: every cut point yields a prefix that ends at a complete
// fragment, and that prefix decodes.
#include <zc/fifo/frame.h>

#include <gtest/gtest.h>

#include "mp4_layout.h"
#include "segment_writer.h"

#include <zc/recorder/error.h>
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

// An audio codec MP4 cannot carry is refused before the segment file exists: nothing is left for recovery to
// find or for a directory listing to show.
TEST(SegmentWriter, UnsupportedAudioCodecCreatesNoFile) {
  TempDir d("unsupported_audio");
  zc::fifo::TrackInfo video;
  video.kind = zc::fifo::MediaKind::video;
  video.codec = zc::fifo::Codec::h264;
  video.time_base = {1, 90000};
  video.width = 320;
  video.height = 240;
  video.config = {0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1e, 0, 0, 0, 1, 0x68, 0xce, 0x3c, 0x80};
  zc::fifo::TrackInfo audio;
  audio.track_id = 1;
  audio.kind = zc::fifo::MediaKind::audio;
  audio.codec = zc::fifo::Codec::opus;
  audio.time_base = {1, 48000};
  audio.sample_rate = 48000;
  audio.channels = 2;
  const auto path = d.path() / "seg.mp4";
  try {
    SegmentWriter::create(path, video, &audio, {});
    ADD_FAILURE() << "an Opus track was accepted into MP4";
  } catch (const RecorderError& e) {
    EXPECT_EQ(e.code(), RecorderErrc::unsupported) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(path)) << "the refused segment's file was left behind";
}
