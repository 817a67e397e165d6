#include "video_assembler.h"

namespace zc::ingest {

namespace {

constexpr uint8_t kStartCode[] = {0, 0, 0, 1};

int nal_type(fifo::Codec codec, uint8_t first) {
  return codec == fifo::Codec::h264 ? (first & 0x1F) : ((first >> 1) & 0x3F);
}

// NAL units that may only come before the first slice of a picture: after it they would begin the next access
// unit (H.264 7.4.1.2.3: SEI, SPS, PPS, AUD, 14-18; H.265 7.4.2.4.4: VPS, SPS, PPS, AUD, prefix SEI, 41-44, 48-55).
// GStreamer's payloader repeats SPS/PPS in front of every IDR slice of a multi-slice picture; those repeats are
// left out, which is also what libavformat's parser (and LiveSource's joining of its halves) hands out.
bool begins_access_unit(fifo::Codec codec, int t) {
  if (codec == fifo::Codec::h264) return (t >= 6 && t <= 9) || (t >= 14 && t <= 18);
  return (t >= 32 && t <= 35) || t == 39 || (t >= 41 && t <= 44) || (t >= 48 && t <= 55);
}

}  // namespace

void VideoAssembler::begin(int64_t timestamp, std::vector<AccessUnit>& out) {
  bool damage = false;
  if (open_ && timestamp != au_.timestamp) {
    finish(out);
    damage = damage_if_new_timestamp_;
  }
  damage_if_new_timestamp_ = false;
  if (open_) return;
  open_ = true;
  has_picture_ = false;
  in_fragment_ = false;
  au_.timestamp = timestamp;
  if (au_.data.capacity() == 0) au_.data = pool_.take();
  au_.data.clear();
  au_.keyframe = false;
  au_.damaged = damage || damage_next_;
  au_.parameter_sets.clear();
  damage_next_ = false;
}

void VideoAssembler::end(bool marker, std::vector<AccessUnit>& out) {
  // The marker ends the access unit only once it holds a picture: some cameras set it on a packet of SEI or
  // parameter sets that precede the picture of the same timestamp.
  if (marker && (has_picture_ || au_.damaged) && !in_fragment_) finish(out);
}

void VideoAssembler::finish(std::vector<AccessUnit>& out) {
  if (!open_) return;
  open_ = false;
  if (in_fragment_) au_.damaged = true;  // a fragmented NAL unit without its end
  in_fragment_ = false;
  if (au_.data.empty()) return;
  out.push_back(std::move(au_));
  au_ = AccessUnit{};
}

void VideoAssembler::lost() {
  if (open_) {
    au_.damaged = true;
    damage_if_new_timestamp_ = true;
    in_fragment_ = false;
  } else {
    damage_next_ = true;
  }
}

// A parameter set holding 00 00 0x (x <= 2) is not one a decoder could read (emulation prevention forbids it):
// it would split into pieces for every Annex-B reader. Parameter sets are small, so checking them costs nothing;
// slices are never scanned.
static bool valid_parameter_set(std::span<const uint8_t> n) {
  for (size_t i = 2; i < n.size(); ++i)
    if (n[i - 2] == 0 && n[i - 1] == 0 && n[i] <= 2) return false;
  return n.size() > 1 && n.back() != 0;
}

void VideoAssembler::note_nal(size_t begin) {
  if (begin >= au_.data.size()) return;
  const std::span<const uint8_t> n(au_.data.data() + begin, au_.data.size() - begin);
  const int t = nal_type(codec_, n[0]);
  if (codec_ == fifo::Codec::h264) {
    if (t >= 1 && t <= 5) has_picture_ = true;
    if (t == 5) au_.keyframe = true;
    if ((t == 7 || t == 8) && !valid_parameter_set(n)) {
      au_.damaged = true;
    } else if (t == 7 || t == 8) {
      au_.parameter_sets.insert(au_.parameter_sets.end(), std::begin(kStartCode), std::end(kStartCode));
      au_.parameter_sets.insert(au_.parameter_sets.end(), n.begin(), n.end());
    }
  } else {
    if (t >= 0 && t <= 31) has_picture_ = true;
    if (t >= 16 && t <= 23) au_.keyframe = true;
    if (t >= 32 && t <= 34 && !valid_parameter_set(n)) {
      au_.damaged = true;
    } else if (t >= 32 && t <= 34) {
      au_.parameter_sets.insert(au_.parameter_sets.end(), std::begin(kStartCode), std::end(kStartCode));
      au_.parameter_sets.insert(au_.parameter_sets.end(), n.begin(), n.end());
    }
  }
}

void VideoAssembler::nal(std::span<const uint8_t> nal) {
  if (!open_ || nal.empty()) return;
  if (in_fragment_) {  // a whole NAL unit where the fragment's end should be: that end was lost
    au_.damaged = true;
    in_fragment_ = false;
  }
  if (has_picture_ && begins_access_unit(codec_, nal_type(codec_, nal[0]))) return;
  au_.data.insert(au_.data.end(), std::begin(kStartCode), std::end(kStartCode));
  const size_t begin = au_.data.size();
  au_.data.insert(au_.data.end(), nal.begin(), nal.end());
  note_nal(begin);
}

void VideoAssembler::fragment_start(std::span<const uint8_t> header, std::span<const uint8_t> piece) {
  if (!open_) return;
  if (in_fragment_) au_.damaged = true;
  in_fragment_ = true;
  skipping_fragment_ = !header.empty() && has_picture_ && begins_access_unit(codec_, nal_type(codec_, header[0]));
  if (skipping_fragment_) return;
  au_.data.insert(au_.data.end(), std::begin(kStartCode), std::end(kStartCode));
  fragment_begin_ = au_.data.size();
  au_.data.insert(au_.data.end(), header.begin(), header.end());
  au_.data.insert(au_.data.end(), piece.begin(), piece.end());
}

void VideoAssembler::fragment_piece(std::span<const uint8_t> piece, bool last) {
  if (!open_) return;
  if (!in_fragment_) {  // the start of this NAL unit was lost
    au_.damaged = true;
    return;
  }
  if (last) in_fragment_ = false;
  if (skipping_fragment_) return;
  au_.data.insert(au_.data.end(), piece.begin(), piece.end());
  if (last) note_nal(fragment_begin_);
}

}  // namespace zc::ingest
