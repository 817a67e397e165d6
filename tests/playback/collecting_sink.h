// A FrameSink that keeps everything a Player sends, for comparing two plays frame by frame in-process.
#pragma once

#include <zc/playback/frame_sink.h>

#include <gtest/gtest.h>

#include <cstddef>
#include <vector>

namespace zc::test {

struct SentFrame {
  fifo::FrameMeta meta;
  std::vector<std::byte> payload;
};

class CollectingSink : public playback::FrameSink {
 public:
  void stream_info(const fifo::StreamInfo& info) override { info_ = info; }
  void frame(const fifo::FrameMeta& meta, std::span<const std::byte> payload) override {
    frames_.push_back({meta, {payload.begin(), payload.end()}});
  }
  void end() override {}
  const std::vector<SentFrame>& frames() const { return frames_; }
  const fifo::StreamInfo& info() const { return info_; }

 private:
  fifo::StreamInfo info_;
  std::vector<SentFrame> frames_;
};

// The same frames (track, timestamps, wall time, flags, payload bytes) in the same order, and the same tracks.
inline void expect_same_frames(const CollectingSink& a, const CollectingSink& b) {
  ASSERT_EQ(a.frames().size(), b.frames().size());
  EXPECT_EQ(a.info().tracks, b.info().tracks);
  for (size_t i = 0; i < a.frames().size(); ++i) {
    const auto& x = a.frames()[i];
    const auto& y = b.frames()[i];
    ASSERT_EQ(x.meta.track, y.meta.track) << "frame " << i;
    EXPECT_EQ(x.meta.pts, y.meta.pts) << "frame " << i;
    EXPECT_EQ(x.meta.dts, y.meta.dts) << "frame " << i;
    EXPECT_EQ(x.meta.wall_ns, y.meta.wall_ns) << "frame " << i;
    EXPECT_EQ(x.meta.flags, y.meta.flags) << "frame " << i;
    ASSERT_TRUE(x.payload == y.payload) << "frame " << i;
  }
}

}  // namespace zc::test
