#include "support/test_support.h"

#include <zc/fifo/ring_writer.h>

#include <unistd.h>

#include <atomic>

namespace zc::test {

std::string unique_stream_name(const std::string& tag) {
  static std::atomic<int> counter{0};
  return "t" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" + tag;
}

ScopedStream::~ScopedStream() {
  try {
    fifo::RingWriter::remove(name_);
  } catch (...) {
  }
}

fifo::StreamInfo video_stream_info() {
  fifo::StreamInfo info;
  fifo::TrackInfo t;
  t.track_id = 0;
  t.kind = fifo::MediaKind::video;
  t.codec = fifo::Codec::h264;
  t.time_base = {1, 90000};
  t.width = 1920;
  t.height = 1080;
  t.config = {0, 0, 0, 1, 0x67, 0x42, 0, 0x1f, 0, 0, 0, 1, 0x68, 0xce};
  info.tracks.push_back(t);
  return info;
}

}  // namespace zc::test
