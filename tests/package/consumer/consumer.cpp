// consumer RING STORAGE_DIR: a live ring written and read back, and a catalog created and queried, through the
// installed headers and shared libraries.
#include <zc/catalog/catalog.h>
#include <zc/fifo/ring_reader.h>
#include <zc/fifo/ring_writer.h>
#include <zc/playback/error.h>
#include <zc/playback/timeline.h>

#include <cstdio>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  using namespace zc;
  fifo::RingOptions o;
  o.data_bytes = 1 << 20;
  {
    auto w = fifo::RingWriter::open(argv[1], o);
    fifo::StreamInfo info;
    fifo::TrackInfo video;
    video.kind = fifo::MediaKind::video;
    video.codec = fifo::Codec::h264;
    video.time_base = {1, 90000};
    info.tracks.push_back(video);
    w.set_stream_info(info);
    fifo::FrameMeta m;
    m.flags = fifo::frame_flag::keyframe;
    m.wall_ns = m.mono_ns = 1'000'000'000;
    const std::vector<std::byte> payload(100, std::byte{1});
    w.write(m, payload.data(), payload.size());
    const auto status = fifo::RingReader::inspect(argv[1]);
    std::printf("ring %s: %llu frame(s) written\n", argv[1], static_cast<unsigned long long>(status.frames_written));
    if (status.frames_written != 1) return 1;
  }
  fifo::RingWriter::remove(argv[1]);
  const auto catalog = catalog::Catalog::open(argv[2]);
  try {
    playback::Timeline::of_catalog(catalog, "cam", 1'000'000'000, 2'000'000'000, 0);
  } catch (const playback::PlaybackError& e) {
    std::printf("empty catalog: %s\n", e.what());  // nothing recorded: an error, as documented
    return 0;
  }
  return 0;
}
