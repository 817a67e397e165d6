// The synthetic camera behind `zcrec feed testsrc`: a moving test pattern encoded in-process with libx264 or
// libx265 (and optionally a sine tone with the native AAC encoder). Two cores cannot encode 1080p in real
// time, so one loop of whole GOPs is encoded up front and replayed with ever-increasing timestamps; every loop
// starts with an IDR and carries identical parameter sets, so replay causes no stream-info change.
#pragma once

#include <zc/media/packet_source.h>

#include <memory>

namespace zc::media {

struct TestSourceOptions {
  uint32_t width = 1280, height = 720;
  int fps = 30;
  double gop_seconds = 2.0;
  fifo::Codec codec = fifo::Codec::h264;  // h264 or h265
  int bit_depth = 8;                      // 8, or 10 for H.265 Main10
  int bframes = 0;
  int64_t bitrate = 2'000'000;  // bit/s
  bool audio = false;           // add an AAC-LC track (48 kHz mono sine)
  double loop_seconds = 0;      // length of the encoded loop, rounded up to whole GOPs; 0 = one GOP
  int64_t frames = 0;           // stop after this many video frames; 0 = endless
};

class TestSource final : public PacketSource {
 public:
  // Encodes the loop; throws MediaError(invalid_argument) for impossible options, (encoder) when libavcodec
  // refuses them.
  explicit TestSource(const TestSourceOptions& options);
  TestSource(TestSource&&) noexcept;
  TestSource& operator=(TestSource&&) noexcept;
  ~TestSource() override;

  const fifo::StreamInfo& stream_info() const noexcept override;
  bool read(MediaPacket& out) override;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace zc::media
