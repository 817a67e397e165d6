#include <zc/media/mp4_track.h>

#include <zc/media/codec_map.h>
#include <zc/media/error.h>
#include <zc/media/mp4_sample.h>

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/mem.h>
}

#include <algorithm>
#include <cstring>
#include <string>

namespace zc::media {
namespace {

void set_extradata(AVCodecParameters& par, const std::vector<uint8_t>& config) {
  if (config.empty()) return;
  par.extradata = static_cast<uint8_t*>(av_mallocz(config.size() + AV_INPUT_BUFFER_PADDING_SIZE));
  if (par.extradata == nullptr) throw MediaError(MediaErrc::muxer, "out of memory for an MP4 track's extradata");
  std::memcpy(par.extradata, config.data(), config.size());
  par.extradata_size = static_cast<int>(config.size());
}

}  // namespace

bool mp4_can_carry(fifo::Codec codec) noexcept {
  return codec != fifo::Codec::pcm_alaw && codec != fifo::Codec::pcm_mulaw && codec_to_av(codec) != AV_CODEC_ID_NONE;
}

Mp4Track add_mp4_track(AVFormatContext& muxer, const fifo::TrackInfo& track, const Mp4TrackOptions& options) {
  if (!mp4_can_carry(track.codec))
    throw MediaError(MediaErrc::unsupported_codec,
                     "an MP4 file cannot carry " + std::string(fifo::to_string(track.codec)));
  Mp4Track out;
  out.stream = avformat_new_stream(&muxer, nullptr);
  if (out.stream == nullptr) throw MediaError(MediaErrc::muxer, "out of memory adding an MP4 track");
  AVCodecParameters& par = *out.stream->codecpar;
  par.codec_id = codec_to_av(track.codec);
  if (track.kind == fifo::MediaKind::video) {
    par.codec_type = AVMEDIA_TYPE_VIDEO;
    par.width = static_cast<int>(track.width);
    par.height = static_cast<int>(track.height);
    if (track.codec == fifo::Codec::h265) par.codec_tag = MKTAG('h', 'v', 'c', '1');
    std::optional<std::vector<uint8_t>> record;
    if (options.length_prefixed_video) record = mp4_sample::decoder_config_record(track);
    out.length_prefixed = record.has_value();
    set_extradata(par, record ? *record : track.config);
  } else {
    par.codec_type = AVMEDIA_TYPE_AUDIO;
    par.sample_rate = static_cast<int>(track.sample_rate);
    av_channel_layout_default(&par.ch_layout, static_cast<int>(std::max<uint32_t>(1, track.channels)));
    if (options.aac_frame_size && track.codec == fifo::Codec::aac) par.frame_size = 1024;
    set_extradata(par, track.config);
  }
  out.stream->time_base = options.time_base;
  return out;
}

}  // namespace zc::media
