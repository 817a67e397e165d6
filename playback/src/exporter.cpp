#include <zc/playback/exporter.h>

#include <zc/playback/error.h>

#include "mp4_output.h"
#include "segment_reader.h"

#include <limits>
#include <optional>

namespace zc::playback {
namespace {

// clip.mp4, clip-2.mp4, clip-3.mp4 ...
std::filesystem::path part_path(const std::filesystem::path& output, size_t part) {
  if (part == 1) return output;
  auto p = output;
  p.replace_filename(output.stem().string() + "-" + std::to_string(part) + output.extension().string());
  return p;
}

std::string video_codec_name(const fifo::StreamInfo& info, uint32_t* w, uint32_t* h) {
  const auto* v = info.first_of(fifo::MediaKind::video);
  if (v == nullptr) return "";
  *w = v->width;
  *h = v->height;
  return std::string(fifo::to_string(v->codec));
}

class Export {
 public:
  Export(const Timeline& t, std::filesystem::path output, const ExportOptions& o)
      : timeline_(t), output_(std::move(output)), options_(o) {}

  ExportResult run() {
    const int64_t to = timeline_.to_wall_ns.value_or(std::numeric_limits<int64_t>::max());
    const auto& segs = timeline_.segments;
    for (size_t i = 0; i < segs.size() && !done_; ++i) {
      if (i > 0 && segs[i].gap_before) ++result_.gaps;
      try {
        copy_segment(segs[i], i == 0, to);
      } catch (const PlaybackError& e) {
        if (e.code() != PlaybackErrc::segment_failed) throw;
        result_.segment_errors.push_back(e.what());
      }
      if (options_.progress) options_.progress(i + 1, segs.size());
    }
    close_part();
    if (result_.files.empty())
      throw PlaybackError(PlaybackErrc::nothing_to_play, "no frame of " + timeline_.label + " could be exported");
    return result_;
  }

 private:
  void copy_segment(const TimelineSegment& seg, bool first, int64_t to) {
    const TimelineKeyframe* key = nullptr;
    if (first && timeline_.from_wall_ns && *timeline_.from_wall_ns > seg.start_wall_ns)
      key = seg.keyframe_at_or_before(*timeline_.from_wall_ns - seg.start_wall_ns);
    const int64_t key_offset = key != nullptr ? key->offset_ns : std::numeric_limits<int64_t>::min();
    SegmentReader reader(seg, options_.audio, key);
    TimedPacket p;
    bool started = false;
    while (reader.next(p)) {
      if (!started) {
        if (!p.video || !p.packet.keyframe || p.offset_ns + kKeyframeSlackNs < key_offset) continue;
        started = true;
      }
      if (p.video && p.dts_wall_ns >= to) {
        done_ = true;
        return;
      }
      if (p.wall_ns >= to) continue;
      if (!out_ || reader.stream_info().tracks != info_.tracks) {
        if (out_ && !p.video) continue;  // a new parameter run starts at its first video frame
        open_part(reader.stream_info(), p.dts_wall_ns);
      }
      if (!out_->write(p)) continue;
      auto& f = result_.files.back();
      if (p.video) {
        ++f.video_frames;
        if (p.packet.keyframe) ++f.keyframes;
        if (f.first_wall_ns == 0) f.first_wall_ns = p.wall_ns;
        f.last_wall_ns = std::max(f.last_wall_ns, p.wall_ns);
      } else {
        ++f.audio_frames;
      }
    }
    reader.check_complete();
  }

  void open_part(const fifo::StreamInfo& info, int64_t origin_wall_ns) {
    close_part();
    info_ = info;
    ExportedFile f;
    f.path = part_path(output_, result_.files.size() + 1);
    f.codec = video_codec_name(info, &f.width, &f.height);
    out_.emplace(f.path, info, origin_wall_ns);
    result_.files.push_back(std::move(f));
  }

  void close_part() {
    if (out_) out_->finish();
    out_.reset();
  }

  const Timeline& timeline_;
  std::filesystem::path output_;
  const ExportOptions& options_;
  ExportResult result_;
  std::optional<Mp4Output> out_;
  fifo::StreamInfo info_;
  bool done_ = false;
};

}  // namespace

ExportResult export_timeline(const Timeline& timeline, const std::filesystem::path& output,
                             const ExportOptions& options) {
  if (timeline.segments.empty()) throw PlaybackError(PlaybackErrc::nothing_to_play, "nothing to export");
  return Export(timeline, output, options).run();
}

}  // namespace zc::playback
