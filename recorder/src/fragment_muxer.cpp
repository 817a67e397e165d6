#include "fragment_muxer.h"

#include <zc/media/mp4_sample.h>

extern "C" {
#include <libavutil/avutil.h>
#include <libavutil/error.h>
#include <libavutil/mathematics.h>
}

#include <algorithm>
#include <cerrno>
#include <climits>

namespace zc::recorder {

FragmentMuxer::FragmentMuxer(std::vector<TrackSetup> tracks, int64_t max_fragment_us, uint64_t position, Write write)
    : max_fragment_us_(max_fragment_us), position_(position), write_(std::move(write)) {
  tracks_.reserve(tracks.size());
  for (const TrackSetup& s : tracks) {
    Track t;
    t.setup = s;
    tracks_.push_back(std::move(t));
  }
  runs_.reserve(tracks_.size());
  parts_.reserve(tracks_.size() + 1);
}

// A sample lasts until the next one's decode time; the last one of a fragment until the track's end.
int64_t FragmentMuxer::entry_duration(const Track& t, size_t i) const noexcept {
  const int64_t next = i + 1 == t.entries.size() ? t.start_dts + t.track_duration : t.entries[i + 1].dts;
  return std::clamp<int64_t>(next - t.entries[i].dts, 0, INT_MAX);
}

int FragmentMuxer::check(const Track& t, Packet& p) noexcept {
  int64_t ref = p.dts;  // a track's first packet, and the first after a discontinuity, is not checked
  if (!t.entries.empty()) {
    ref = t.entries.back().dts;
  } else if (t.started && !t.discontinuous) {
    ref = t.start_dts + t.track_duration;
  }
  const uint64_t step = static_cast<uint64_t>(p.dts) - static_cast<uint64_t>(ref);
  if (p.dts < ref || step >= INT_MAX) {
    p.dts = ref + 1;
    p.pts = p.dts;
  }
  if (p.duration < 0 || p.duration > INT_MAX) return AVERROR(EINVAL);
  return 0;
}

int FragmentMuxer::add(const Packet& in, std::span<const std::byte> payload, SampleForm form) {
  Track& t = tracks_[in.track];
  Packet p = in;
  if (p.duration <= 0) p.duration = t.setup.guessed_duration;
  if ((t.last_dts != 0 && p.dts <= t.last_dts) || p.pts < p.dts) return AVERROR(EINVAL);
  t.last_dts = p.dts;

  if (const int rc = check(t, p); rc < 0) return rc;
  if (discontinuity_pending_) {
    for (Track& x : tracks_) x.discontinuous = true;
    discontinuity_pending_ = false;
  }
  if (payload.empty()) {  // an empty packet is dropped, but may start the track's timeline
    if (!t.started && t.discontinuous) {
      t.started = true;
      t.start_dts = p.dts;
    }
    return 0;
  }

  int wrote = 0;
  const int64_t span_us =
      t.entries.empty() ? 0 : av_rescale_q(p.dts - t.entries.front().dts, t.setup.time_base, AV_TIME_BASE_Q);
  if ((max_fragment_us_ > 0 && span_us >= max_fragment_us_) || (t.setup.video && !t.entries.empty() && p.key)) {
    // The track that cuts knows where its fragment ends: at this packet.
    if (!t.entries.empty()) t.track_duration = p.dts - t.start_dts;
    wrote = flush() ? 1 : 0;
  }

  if (const int rc = check(t, p); rc < 0) return rc;
  const uint64_t offset = static_cast<uint64_t>(p.pts) - static_cast<uint64_t>(p.dts);
  if (offset != static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(offset))))
    return AVERROR_PATCHWELCOME;  // a composition offset beyond 32 bits

  const size_t before = t.data.size();
  if (form == SampleForm::annexb_to_length_prefixed) media::mp4_sample::append_from_annexb(payload, t.data);
  // A malformed frame without a single NAL unit goes in as it is: the file holds as many samples as the
  // catalog counts.
  if (t.data.size() == before) {
    const auto* b = reinterpret_cast<const uint8_t*>(payload.data());
    t.data.insert(t.data.end(), b, b + payload.size());
  }
  Entry e;
  e.size = static_cast<uint32_t>(t.data.size() - before);
  e.dts = p.dts;
  if (t.entries.empty() && t.started) {
    if (!t.discontinuous) {
      e.dts = t.start_dts + t.track_duration;  // where the previous fragment said this track ends
    } else {
      t.discontinuous = false;  // keeps its own dts: tfdt carries the hole
    }
  }
  if (!t.started) {
    t.started = true;
    t.start_dts = p.dts;
    if (t.discontinuous) {
      t.start_dts = 0;  // tfdt = the first sample's own dts
      t.discontinuous = false;
    }
  }
  t.track_duration = p.dts - t.start_dts + p.duration;
  if (p.dts != p.pts) t.composition_offsets = true;
  e.cts = p.pts - p.dts;
  e.sync = p.key;
  t.entries.push_back(e);
  return wrote;
}

bool FragmentMuxer::flush() {
  // The last sample's duration is the packet's; a packet that had none borrows the one before it.
  for (Track& t : tracks_) {
    const size_t n = t.entries.size();
    if (n > 1 && entry_duration(t, n - 1) == 0) t.track_duration += entry_duration(t, n - 2);
  }
  runs_.clear();
  uint64_t mdat = 0;
  for (Track& t : tracks_) {
    if (t.entries.empty()) continue;
    t.samples.clear();
    for (size_t i = 0; i < t.entries.size(); ++i) {
      const Entry& e = t.entries[i];
      t.samples.push_back({static_cast<uint32_t>(entry_duration(t, i)), e.size, static_cast<int32_t>(e.cts), e.sync});
    }
    fragment_boxes::TrackRun r;
    r.track_id = t.setup.track_id;
    r.video = t.setup.video;
    r.base_media_decode_time = static_cast<uint64_t>(t.entries.front().dts - t.start_dts);
    r.composition_offsets = t.composition_offsets;
    r.data_offset_in_mdat = mdat;
    r.samples = t.samples;
    runs_.push_back(r);
    mdat += t.data.size();
  }
  if (mdat == 0) return false;

  for (Track& t : tracks_) {
    if (t.entries.empty()) continue;
    const int64_t first_pts = t.entries.front().dts + t.entries.front().cts;
    t.points.push_back({static_cast<uint64_t>(std::max<int64_t>(0, first_pts)), position_});
  }
  head_.clear();
  fragment_boxes::append_moof(head_, sequence_, runs_);
  fragment_boxes::append_mdat_header(head_, mdat);
  parts_.clear();
  parts_.push_back({head_.data(), head_.size()});
  for (Track& t : tracks_)
    if (!t.entries.empty()) parts_.push_back({t.data.data(), t.data.size()});
  write_(parts_);
  position_ += head_.size() + mdat;
  ++sequence_;
  for (Track& t : tracks_) {
    t.entries.clear();
    t.data.clear();  // keeps its capacity: the next fragment reuses the memory
  }
  return true;
}

void FragmentMuxer::finish() {
  flush();
  std::vector<fragment_boxes::TrackIndex> index;
  for (const Track& t : tracks_) index.push_back({t.setup.track_id, t.points});
  head_.clear();
  fragment_boxes::append_mfra(head_, index);
  const iovec part{head_.data(), head_.size()};
  write_(std::span<const iovec>(&part, 1));
  position_ += head_.size();
}

}  // namespace zc::recorder
