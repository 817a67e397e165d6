#include "agent.h"

#include "support/frame_pattern.h"

#include <zc/fifo/error.h>
#include <zc/fifo/ring_reader.h>
#include <zc/fifo/ring_writer.h>

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <vector>

namespace zc::test::agent {

using namespace zc::fifo;

namespace {

StreamInfo agent_stream_info() {
  TrackInfo t;
  t.track_id = 0;
  t.kind = MediaKind::video;
  t.codec = Codec::h264;
  t.time_base = {1, 90000};
  t.width = 640;
  t.height = 360;
  t.config = {0, 0, 0, 1, 0x67, 0x42, 0, 0x1e};
  StreamInfo info;
  info.tracks.push_back(t);
  return info;
}

// Hands the payload over in NAL-unit-like pieces of varying length, as an encoder loop does.
void write_in_pieces(RingWriter& w, const FrameMeta& meta, const std::vector<std::byte>& payload, uint64_t seq) {
  auto builder = w.begin_frame(meta, payload.size());
  size_t done = 0;
  for (uint64_t j = 0; done < payload.size(); ++j) {
    size_t piece = 1 + pattern_mix(seq * 31 + j) % 1500;
    if (piece > payload.size() - done) piece = payload.size() - done;
    builder.append(payload.data() + done, piece);
    done += piece;
  }
  builder.commit();
}

}  // namespace

int run_writer(const WriterArgs& a) {
  try {
    RingOptions opts;
    opts.data_bytes = a.ring_bytes;
    opts.reader_slots = a.reader_slots;
    opts.index_entries = 1024;
    auto w = RingWriter::open(a.stream, opts);
    w.set_stream_info(agent_stream_info());
    // Only this process writes now, so the ring's next sequence number is ours to predict.
    const uint64_t first = RingReader::inspect(a.stream).next_seq;
    std::printf("ready %llu\n", static_cast<unsigned long long>(first));
    std::fflush(stdout);

    std::vector<std::byte> buf;
    uint64_t written = 0;
    uint64_t seq = first;
    for (; a.until_seq == 0 || seq <= a.until_seq; ++seq, ++written) {
      const uint32_t size = pattern_size(seq, a.min_size, a.max_size);
      FrameMeta meta;
      meta.track = 0;
      meta.flags = (seq == first || seq % a.key_every == 0) ? frame_flag::keyframe : 0;
      meta.pts = meta.dts = static_cast<int64_t>(seq);
      if (a.die_mid_frame_after != 0 && written == a.die_mid_frame_after) {
        auto r = w.reserve(meta, size);
        fill_pattern(seq, r.data().first(size / 2));
        ::kill(::getpid(), SIGKILL);  // dies holding an uncommitted frame
        ::pause();
      }
      if (a.pieces) {
        buf.resize(size);
        fill_pattern(seq, buf);
        write_in_pieces(w, meta, buf, seq);
      } else {
        auto r = w.reserve(meta, size);
        fill_pattern(seq, r.data());
        r.commit();
      }
      if (a.interval_us != 0) ::usleep(a.interval_us);
    }
    std::printf("done %llu\n", static_cast<unsigned long long>(seq - 1));
    std::fflush(stdout);
    return 0;
  } catch (const FifoError& e) {
    std::printf("error %d %s\n", static_cast<int>(e.code()), e.what());
    std::fflush(stdout);
    return 10 + static_cast<int>(e.code());
  }
}

}  // namespace zc::test::agent
