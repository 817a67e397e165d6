// Attaching to a shared-memory object that anyone on the machine may have scribbled on: the input is the whole
// object image (header, reader slots, keyframe index, stream-info slots, records), written under a ring name.
// Contract: a reader either refuses with a FifoError or delivers frames whose payload is as long as their header
// says, with strictly increasing sequence numbers and a loss count that adds up, its stream info within bounds;
// a writer either refuses with a FifoError or takes the object over (or recreates it) and then works: a fresh
// reader gets back exactly what it writes next.
#include <zc/fifo/error.h>
#include <zc/fifo/ring_reader.h>
#include <zc/fifo/ring_writer.h>

#include "fuzz_check.h"
#include "layout.h"
#include "support/frame_pattern.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

using namespace zc;
using namespace zc::fifo;

namespace {

const std::string& stream_name() {
  static const std::string name = "zc_fuzz_ring_" + std::to_string(::getpid());
  return name;
}

void put_image(std::span<const uint8_t> bytes) {
  RingWriter::remove(stream_name());
  const std::string shm = "/zcrec." + stream_name();
  const int fd = ::shm_open(shm.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ZC_FUZZ_CHECK(fd >= 0);
  ZC_FUZZ_CHECK(::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
  ::close(fd);
}

void check_info(const StreamInfo& info) {
  ZC_FUZZ_CHECK(info.tracks.size() <= layout::kMaxTracks);
  for (const auto& t : info.tracks) ZC_FUZZ_CHECK(t.config.size() <= layout::kMaxConfigBytes);
}

// Reads what the object offers, checking every claim a reader makes about a frame.
void read_all(RingReader& r, uint64_t data_bytes, uint64_t lost_before_reading) {
  Frame f;
  uint64_t last_seq = 0, lost = lost_before_reading;
  for (int i = 0; i < 2000; ++i) {
    const auto st = r.try_read(f);
    if (st != ReadStatus::frame) break;
    ZC_FUZZ_CHECK(f.payload.size() == f.header.size);
    ZC_FUZZ_CHECK(f.header.size <= data_bytes);
    ZC_FUZZ_CHECK(f.header.seq > last_seq || last_seq == 0);
    if (last_seq != 0) ZC_FUZZ_CHECK(f.header.lost_before == f.header.seq - last_seq - 1);
    lost += f.header.lost_before;
    last_seq = f.header.seq;
    check_info(r.stream_info());
  }
  ZC_FUZZ_CHECK(r.frames_lost() == lost);
}

StreamInfo one_video_track() {
  TrackInfo t;
  t.kind = MediaKind::video;
  t.codec = Codec::h264;
  t.time_base = {1, 90000};
  t.config = {0, 0, 0, 1, 0x67, 0x42, 0, 0x1e};
  StreamInfo info;
  info.tracks.push_back(t);
  return info;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  put_image({data, size});
  const std::string& name = stream_name();
  try {
    const auto status = RingReader::inspect(name);
    check_info(status.info);
  } catch (const FifoError&) {
  }
  for (const auto start : {StartAt::oldest_keyframe, StartAt::next_frame}) {
    try {
      ReaderOptions ro;
      ro.start = start;
      auto r = RingReader::open(name, ro);
      const uint64_t data_bytes = r.status().data_bytes;
      (void)r.keyframe_at_or_before(INT64_MAX);
      (void)r.keyframe_at_or_before(0);
      uint64_t lost = 0;
      if (auto v = r.peek()) {
        ZC_FUZZ_CHECK(v->payload.size() == v->header.size);
        const uint64_t before = r.frames_read();
        if (r.still_valid(*v)) r.consume(*v);
        if (r.frames_read() != before) lost = v->header.lost_before;
      }
      ZC_FUZZ_CHECK(r.frames_lost() == lost);
      read_all(r, data_bytes, lost);
    } catch (const FifoError&) {
    }
  }
  // A writer takes the object over (or replaces it) and must then work like on a fresh ring.
  try {
    RingOptions o;
    o.data_bytes = 64 * 1024;
    o.index_entries = 64;
    o.reader_slots = 4;
    auto w = RingWriter::open(name, o);
    w.set_stream_info(one_video_track());
    ReaderOptions ro;
    ro.start = StartAt::next_frame;
    auto r = RingReader::open(name, ro);
    const uint64_t first = r.status().next_seq;
    std::vector<std::byte> buf;
    Frame f;
    for (uint64_t i = 0; i < 40; ++i) {  // laps a 64 KiB ring
      const uint64_t seq = first + i;
      buf.resize(test::pattern_size(seq, 16, 3000));
      test::fill_pattern(seq, buf);
      FrameMeta m;
      m.flags = i % 8 == 0 ? frame_flag::keyframe : 0;
      w.write(m, buf);
      ZC_FUZZ_CHECK(r.try_read(f) == ReadStatus::frame);
      ZC_FUZZ_CHECK(f.header.seq == seq);
      ZC_FUZZ_CHECK(test::check_pattern(seq, {reinterpret_cast<const std::byte*>(f.payload.data()), f.payload.size()}));
    }
  } catch (const FifoError& e) {
    // Refusing is allowed only for an object the writer must not overwrite.
    ZC_FUZZ_CHECK(e.code() == FifoErrc::foreign_object || e.code() == FifoErrc::corrupt_object ||
                  e.code() == FifoErrc::no_space);
  }
  RingWriter::remove(name);
  return 0;
}
