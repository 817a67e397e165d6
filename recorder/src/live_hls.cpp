#include <zc/recorder/live_hls.h>

#include <zc/recorder/error.h>
#include <zc/recorder/live_mp4.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace zc::recorder {

namespace {

// One fragment per GOP: LiveMp4 cuts at every video keyframe (movflags frag_keyframe); a duration longer than
// any GOP keeps it from cutting inside one, so that every segment starts with a keyframe.
constexpr int64_t kNoDurationCutUs = 1'800'000'000;  // 30 min; libavformat's frag_duration is an int

uint64_t be(const std::string& s, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<uint8_t>(s[at + static_cast<size_t>(i)]);
  return v;
}

}  // namespace

LiveHls::LiveHls(const fifo::StreamInfo& info, size_t window) : window_(std::max<size_t>(window, 3)) {
  start_generation(info);
}

LiveHls::LiveHls(LiveHls&&) noexcept = default;
LiveHls& LiveHls::operator=(LiveHls&&) noexcept = default;
LiveHls::~LiveHls() = default;

void LiveHls::start_generation(const fifo::StreamInfo& info) {
  // The GOP in progress of the old tracks is dropped with its muxer: the new tracks need their own moov.
  mp4_.reset();
  if (!segments_.empty() || inits_.count(generation_) != 0) ++generation_;
  pending_.clear();
  open_moof_.reset();
  keyframe_mono_ns_.clear();
  const fifo::TrackInfo* video = info.first_of(fifo::MediaKind::video);
  if (video == nullptr) throw RecorderError(RecorderErrc::no_stream, "the stream has no video track");
  video_track_ = video->track_id;
  mp4_ = std::make_unique<LiveMp4>(info, [this](const uint8_t* d, size_t n) { return on_bytes(d, n); },
                                   kNoDurationCutUs);
}

bool LiveHls::write(const fifo::StreamInfo& info, const fifo::FrameHeader& h, std::span<const std::byte> payload) {
  if (!mp4_->same_tracks(info)) start_generation(info);
  const bool key = h.track == video_track_ && h.is_key();
  // Known before the muxer is given the keyframe: writing it completes the previous fragment, whose duration
  // is the distance between the two keyframes.
  if (key) keyframe_mono_ns_.push_back(h.mono_ns);
  const bool taken = mp4_->write(h, payload);
  if (key && !taken) keyframe_mono_ns_.pop_back();
  return taken;
}

void LiveHls::skip() noexcept { mp4_->skip(); }

bool LiveHls::on_bytes(const uint8_t* data, size_t size) {
  pending_.append(reinterpret_cast<const char*>(data), size);
  take_boxes();
  return true;
}

// Cuts the muxer's bytes into top-level boxes (ISO/IEC 14496-12: 32-bit size and type, or size 1 and a 64-bit
// size after the type): ftyp + moov are the generation's initialisation segment, each moof + mdat a segment.
void LiveHls::take_boxes() {
  size_t pos = 0;
  while (pending_.size() - pos >= 8) {
    uint64_t size = be(pending_, pos, 4);
    size_t header = 8;
    if (size == 1) {
      if (pending_.size() - pos < 16) break;
      size = be(pending_, pos + 8, 8);
      header = 16;
    }
    if (size < header) throw RecorderError(RecorderErrc::media, "the muxer wrote a malformed MP4 box");
    if (pending_.size() - pos < size) break;
    const std::string type = pending_.substr(pos + 4, 4);
    std::string box = pending_.substr(pos, static_cast<size_t>(size));
    pos += static_cast<size_t>(size);
    if (type == "ftyp") {
      inits_[generation_] = std::make_shared<const std::string>(std::move(box));
    } else if (type == "moov") {
      auto& init = inits_[generation_];
      init = std::make_shared<const std::string>((init ? *init : std::string()) + box);
    } else if (type == "moof") {
      open_moof_ = std::move(box);
    } else if (type == "mdat" && open_moof_) {
      HlsSegment s;
      s.sequence = next_sequence_++;
      s.generation = generation_;
      s.duration_s = longest_s_;
      if (keyframe_mono_ns_.size() >= 2) s.duration_s = static_cast<double>(keyframe_mono_ns_[1] - keyframe_mono_ns_[0]) / 1e9;
      if (!keyframe_mono_ns_.empty()) keyframe_mono_ns_.pop_front();
      s.duration_s = std::max(s.duration_s, 0.001);
      longest_s_ = std::max(longest_s_, s.duration_s);
      s.bytes = std::make_shared<const std::string>(*open_moof_ + box);
      open_moof_.reset();
      segments_.push_back(std::move(s));
      while (segments_.size() > window_) {
        const uint64_t gone = segments_.front().generation;
        segments_.pop_front();
        if (segments_.front().generation != gone) ++discontinuity_sequence_;
      }
      // Initialisation segments no listed segment needs, except the current generation's.
      for (auto it = inits_.begin(); it != inits_.end();)
        it = it->first != generation_ && it->first < segments_.front().generation ? inits_.erase(it) : std::next(it);
    }
  }
  pending_.erase(0, pos);
}

std::shared_ptr<const std::string> LiveHls::init(uint64_t generation) const {
  auto it = inits_.find(generation);
  return it == inits_.end() ? nullptr : it->second;
}

const HlsSegment* LiveHls::segment(uint64_t sequence) const {
  for (const auto& s : segments_)
    if (s.sequence == sequence) return &s;
  return nullptr;
}

std::string LiveHls::playlist(const std::string& prefix) const {
  std::string p = "#EXTM3U\n#EXT-X-VERSION:7\n";
  // RFC 8216 4.3.3.1: every EXTINF rounded to the nearest integer is at most this; never lowered while the
  // stream lives (6.2.1: it must not change).
  p += "#EXT-X-TARGETDURATION:" + std::to_string(std::max<int64_t>(1, std::llround(longest_s_))) + "\n";
  p += "#EXT-X-MEDIA-SEQUENCE:" + std::to_string(segments_.empty() ? next_sequence_ : segments_.front().sequence) + "\n";
  if (discontinuity_sequence_ > 0)
    p += "#EXT-X-DISCONTINUITY-SEQUENCE:" + std::to_string(discontinuity_sequence_) + "\n";
  p += "#EXT-X-INDEPENDENT-SEGMENTS\n";
  std::optional<uint64_t> generation;
  for (const auto& s : segments_) {
    if (generation != s.generation) {
      if (generation) p += "#EXT-X-DISCONTINUITY\n";
      p += "#EXT-X-MAP:URI=\"" + prefix + "init-" + std::to_string(s.generation) + ".mp4\"\n";
      generation = s.generation;
    }
    char extinf[48];
    std::snprintf(extinf, sizeof extinf, "#EXTINF:%.3f,\n", s.duration_s);
    p += extinf;
    p += prefix + std::to_string(s.sequence) + ".m4s\n";
  }
  return p;
}

}  // namespace zc::recorder
