#include <zc/bench/ring_feeder.h>

#include <zc/fifo/rescale.h>
#include <zc/media/source.h>

#include <time.h>

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <thread>

namespace zc::bench {
namespace {

FeedOptions with_clock(FeedOptions o) {
  if (!o.clock) o.clock = std::make_shared<const fifo::SystemClock>();
  return o;
}

using fifo::from_ns;
using fifo::to_ns;

}  // namespace

EncodedInput load_input(const std::filesystem::path& path) {
  media::MediaSource src(path.string());
  EncodedInput in;
  in.path = path;
  in.info = src.stream_info();
  const auto* video = in.info.first_of(fifo::MediaKind::video);
  media::MediaPacket p;
  std::optional<int64_t> first_dts_ns;
  int64_t end_ns = 0;
  while (src.read(p)) {
    const auto* t = in.info.find(p.track);
    if (t == nullptr) continue;
    const int64_t dts_ns = to_ns(p.dts, t->time_base);
    if (!first_dts_ns) first_dts_ns = dts_ns;
    EncodedInput::Packet q{p.track, p.keyframe, p.pts, p.dts, dts_ns - *first_dts_ns, std::move(p.data)};
    const int64_t dur = p.duration > 0 ? to_ns(p.duration, t->time_base) : 0;
    end_ns = std::max(end_ns, q.time_ns + dur);
    if (video != nullptr && p.track == video->track_id) ++in.video_frames;
    in.packets.push_back(std::move(q));
  }
  if (in.packets.empty()) throw std::runtime_error("no packets in " + path.string());
  // A raw stream's packets may carry no duration: the last frame then lasts one mean frame interval, so that a
  // looping feeder never stamps two frames with one time.
  const int64_t last_ns = in.packets.back().time_ns;
  if (end_ns <= last_ns && in.video_frames > 1) end_ns = last_ns + last_ns / (in.video_frames - 1);
  in.duration_ns = end_ns;
  return in;
}

RingFeeder::RingFeeder(FeedOptions options) : opt_(with_clock(std::move(options))) {
  for (const auto& path : opt_.inputs) owned_.push_back(load_input(path));
  for (const auto& in : owned_) inputs_.push_back(&in);
  if (inputs_.empty()) throw std::runtime_error("RingFeeder needs an input");
  start_mono_ns_ = opt_.clock->mono_ns() - opt_.backlog_ns;
  wall_minus_mono_ns_ = opt_.clock->wall_ns() - opt_.clock->mono_ns();
}

RingFeeder::RingFeeder(std::vector<const EncodedInput*> inputs, FeedOptions options)
    : opt_(with_clock(std::move(options))), inputs_(std::move(inputs)) {
  if (inputs_.empty()) throw std::runtime_error("RingFeeder needs an input");
  start_mono_ns_ = opt_.clock->mono_ns() - opt_.backlog_ns;
  wall_minus_mono_ns_ = opt_.clock->wall_ns() - opt_.clock->mono_ns();
}

// Writes the next packet if its capture time is <= until_mono_ns; false when it is not due yet or at the end.
bool RingFeeder::write_next(fifo::RingWriter& writer, int64_t until_mono_ns) {
  if (done_) return false;
  if (packet_ >= inputs_[input_]->packets.size()) {
    input_offset_ns_ += inputs_[input_]->duration_ns;
    packet_ = 0;
    info_sent_ = false;
    if (++input_ >= inputs_.size()) {
      if (!opt_.loop) {
        done_ = true;
        return false;
      }
      input_ = 0;
    }
  }
  const EncodedInput& in = *inputs_[input_];
  const EncodedInput::Packet& p = in.packets[packet_];
  const int64_t media_ns = input_offset_ns_ + p.time_ns;
  if (media_ns >= opt_.total_ns) {
    done_ = true;
    return false;
  }
  const int64_t mono = start_mono_ns_ + media_ns;
  if (mono > until_mono_ns) return false;
  if (!info_sent_) {
    writer.set_stream_info(in.info);
    info_sent_ = true;
  }
  const auto* t = in.info.find(p.track);
  const int64_t offset = from_ns(input_offset_ns_, t->time_base);
  fifo::FrameMeta m;
  m.track = p.track;
  m.flags = p.key ? fifo::frame_flag::keyframe : 0;
  m.pts = p.pts + offset;
  m.dts = p.dts + offset;
  if (opt_.dts_after_pts && t->kind == fifo::MediaKind::video) {
    m.dts = last_video_dts_ ? std::max(m.pts, *last_video_dts_ + 1) : m.pts;
    last_video_dts_ = m.dts;
  }
  m.mono_ns = mono;
  m.wall_ns = mono + wall_minus_mono_ns_;
  if (opt_.wall_jump_at_ns >= 0 && media_ns >= opt_.wall_jump_at_ns) m.wall_ns += opt_.wall_jump_ns;
  writer.write(m, p.data.data(), p.data.size());
  fed_.push_back({p.track, p.key, mono, m.pts});
  ++packet_;
  return true;
}

void RingFeeder::write_backlog(fifo::RingWriter& writer) {
  const int64_t until = opt_.clock->mono_ns();
  while (write_next(writer, until)) {
  }
}

void RingFeeder::run_realtime(fifo::RingWriter& writer, const std::atomic<bool>& stop) {
  while (!done_ && !stop.load()) {
    if (!write_next(writer, opt_.clock->mono_ns())) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

}  // namespace zc::bench
