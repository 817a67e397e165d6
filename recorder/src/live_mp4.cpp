#include <zc/recorder/error.h>
#include <zc/recorder/live_mp4.h>

#include "segment_writer.h"

extern "C" {
#include <libavutil/mathematics.h>
}

#include <optional>

namespace zc::recorder {

struct LiveMp4::Impl {
  fifo::TrackInfo video;
  std::optional<fifo::TrackInfo> audio;
  ByteSink sink;
  int64_t max_fragment_us = 0;
  std::optional<SegmentWriter> writer;  // created at the first keyframe (its pts - dts is the edit list's)
  bool want_keyframe = true;
  bool resume_without_hole = false;
  // Subtracted from every frame's timestamps (video time base) so that the output timeline has no holes.
  int64_t offset = 0;
  std::optional<int64_t> last_video_dts;  // after the offset
  int64_t video_step = 0;
  std::optional<int64_t> last_audio_dts;  // after the offset, audio time base
};

LiveMp4::LiveMp4(const fifo::StreamInfo& info, ByteSink sink, int64_t max_fragment_us)
    : impl_(std::make_unique<Impl>()) {
  const fifo::TrackInfo* video = info.first_of(fifo::MediaKind::video);
  if (video == nullptr) throw RecorderError(RecorderErrc::no_stream, "the stream has no video track");
  if (video->codec != fifo::Codec::h264 && video->codec != fifo::Codec::h265)
    throw RecorderError(RecorderErrc::unsupported,
                        "cannot put video codec " + std::string(fifo::to_string(video->codec)) + " into MP4");
  if (video->config.empty() || video->width == 0)
    throw RecorderError(RecorderErrc::no_stream, "the video track has no codec configuration yet");
  impl_->video = *video;
  const fifo::TrackInfo* audio = info.first_of(fifo::MediaKind::audio);
  if (audio != nullptr && audio->codec == fifo::Codec::aac && !audio->config.empty()) impl_->audio = *audio;
  impl_->sink = std::move(sink);
  impl_->max_fragment_us = max_fragment_us;
}

LiveMp4::LiveMp4(LiveMp4&&) noexcept = default;
LiveMp4& LiveMp4::operator=(LiveMp4&&) noexcept = default;
LiveMp4::~LiveMp4() = default;

void LiveMp4::skip() noexcept {
  impl_->want_keyframe = true;
  impl_->resume_without_hole = impl_->last_video_dts.has_value();
}

bool LiveMp4::same_tracks(const fifo::StreamInfo& info) const {
  const fifo::TrackInfo* video = info.first_of(fifo::MediaKind::video);
  if (video == nullptr || !(*video == impl_->video)) return false;
  const fifo::TrackInfo* audio = info.first_of(fifo::MediaKind::audio);
  const bool has_audio = audio != nullptr && audio->codec == fifo::Codec::aac && !audio->config.empty();
  if (has_audio != impl_->audio.has_value()) return false;
  return !has_audio || *audio == *impl_->audio;
}

bool LiveMp4::write(const fifo::FrameHeader& header, std::span<const std::byte> payload) {
  Impl& m = *impl_;
  const bool is_video = header.track == m.video.track_id;
  const bool is_audio = m.audio && header.track == m.audio->track_id;
  if (!is_video && !is_audio) return false;
  if (m.want_keyframe) {
    if (!is_video || !header.is_key()) return false;
    m.want_keyframe = false;
    if (m.resume_without_hole) m.offset = header.dts - (*m.last_video_dts + m.video_step);
    m.resume_without_hole = false;
  }
  fifo::FrameHeader h = header;
  if (is_video) {
    h.dts -= m.offset;
    h.pts -= m.offset;
    // A clock that stepped back without a discontinuity mark: move the timeline again rather than feed the
    // muxer a decode time that does not grow (it refuses those).
    if (m.last_video_dts && h.dts <= *m.last_video_dts) {
      const int64_t shift = *m.last_video_dts + m.video_step - h.dts;
      m.offset -= shift;
      h.dts += shift;
      h.pts += shift;
    }
    if (m.last_video_dts && h.dts > *m.last_video_dts) m.video_step = h.dts - *m.last_video_dts;
    m.last_video_dts = h.dts;
  } else {
    const AVRational vtb{m.video.time_base.num, m.video.time_base.den};
    const AVRational atb{m.audio->time_base.num, m.audio->time_base.den};
    const int64_t offset = av_rescale_q(m.offset, vtb, atb);
    h.dts -= offset;
    h.pts -= offset;
    if (m.last_audio_dts && h.dts <= *m.last_audio_dts) return false;  // audio of a stretch already shown
    m.last_audio_dts = h.dts;
  }
  if (!m.writer) {
    SegmentWriterOptions options;
    options.max_fragment_us = m.max_fragment_us;
    options.first_composition_offset = std::max<int64_t>(0, h.pts - h.dts);
    m.writer = SegmentWriter::create_streaming(m.sink, m.video, m.audio ? &*m.audio : nullptr, options);
  }
  m.writer->write(h, payload);
  return true;
}

}  // namespace zc::recorder
