#include "record_fixture.h"

#include <zc/media/source.h>

#include <algorithm>
#include <mutex>

namespace zc::test {

namespace {
struct ClipStore {
  TempDir dir{"clips"};
  std::map<std::string, std::filesystem::path> made;
  std::mutex mu;
};
ClipStore& store() {
  static ClipStore s;
  return s;
}
ClipSpec spec_for(const std::string& name) {
  ClipSpec s;
  if (name == "h264_bframes") {
    s.seconds = 12;
  } else if (name == "h264_noB") {
    s.seconds = 6;
    s.bframes = 0;
  } else if (name == "h265") {
    s.codec = "libx265";
    s.seconds = 8;
  } else if (name == "h264_aac") {
    s.seconds = 8;
    s.aac = true;
  } else if (name == "h264_alaw") {
    s.seconds = 6;
    s.alaw = true;
  } else if (name == "h264_mulaw") {
    s.seconds = 6;
    s.mulaw = true;
  } else if (name == "h265_inband") {
    s.codec = "libx265";
    s.seconds = 3;
    s.gop = 25;
    s.fps = 25;
    s.inband_headers = true;
  } else if (name == "h264_25fps") {
    s.seconds = 2;
    s.fps = 25;
    s.gop = 25;
  } else if (name == "h264_raw") {
    s.seconds = 2;
  } else if (name == "h264_25fps_noB") {
    s.seconds = 2;
    s.fps = 25;
    s.gop = 25;
    s.bframes = 0;
  } else if (name == "h264_480") {
    s.width = 480;
    s.height = 272;
    s.seconds = 3;
  } else if (name == "h264_heavy") {
    // Lossless 640x360 of a noisy pattern: several MB/s, fills a small tmpfs in seconds.
    s.width = 640;
    s.height = 360;
    s.seconds = 3;
    s.qp = 0;
    s.bframes = 0;
    s.pattern = "mandelbrot";
  } else if (name == "h264_320_short") {
    s.seconds = 3;
  } else {
    throw std::runtime_error("unknown clip " + name);
  }
  return s;
}
}  // namespace

const std::filesystem::path& clip(const std::string& name) {
  auto& s = store();
  std::lock_guard lock(s.mu);
  auto it = s.made.find(name);
  if (it != s.made.end()) return it->second;
  const ClipSpec spec = spec_for(name);
  // G.711 in QuickTime (MP4 cannot carry it; Matroska has no dts, which B-frames need from the first frame on).
  const bool mov = spec.alaw || spec.mulaw;
  // "_raw": an Annex-B elementary stream, where x264 repeats SPS/PPS in front of every keyframe.
  const bool raw = name.ends_with("_raw");
  const auto path = s.dir.path() / (name + (mov ? ".mov" : raw ? ".h264" : ".mp4"));
  make_clip(path, spec);
  return s.made.emplace(name, path).first->second;
}

FedRing::FedRing(const std::string& tag, FeedOptions options, uint64_t ring_bytes)
    : stream_(tag), feeder_(std::move(options)) {
  fifo::RingOptions ro;
  ro.data_bytes = ring_bytes;
  writer_.emplace(fifo::RingWriter::open(stream_.name(), ro));
  feeder_.write_backlog(*writer_);
  backlog_ = feeder_.fed();
  backlog_end_mono_ns_ = backlog_.empty() ? 0 : backlog_.back().mono_ns;
  thread_ = std::thread([this] { feeder_.run_realtime(*writer_, stop_); });
}

FedRing::~FedRing() {
  stop_ = true;
  thread_.join();
}

size_t SourceFrames::index_of(int64_t pts) const {
  auto it = std::lower_bound(sorted_pts.begin(), sorted_pts.end(), pts);
  return static_cast<size_t>(it - sorted_pts.begin());
}

std::optional<FedFrame> FedRing::keyframe_at_or_before(int64_t mono_ns) const {
  std::optional<FedFrame> best;
  for (const auto& f : backlog_) {
    if (f.track == 0 && f.key && f.mono_ns <= mono_ns) best = f;
  }
  return best;
}

SourceFrames source_frames(const std::filesystem::path& clip_path) {
  SourceFrames s;
  s.md5 = frame_md5s(clip_path);
  media::MediaSource src(clip_path.string());
  const auto* video = src.stream_info().first_of(fifo::MediaKind::video);
  media::MediaPacket p;
  while (src.read(p)) {
    if (video != nullptr && p.track == video->track_id) s.sorted_pts.push_back(p.pts);
  }
  std::sort(s.sorted_pts.begin(), s.sorted_pts.end());
  return s;
}

}  // namespace zc::test
