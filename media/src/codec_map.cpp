#include <zc/media/codec_map.h>

extern "C" {
#include <libavutil/pixdesc.h>
}

namespace zc::media {

fifo::Codec codec_from_av(AVCodecID id) noexcept {
  switch (id) {
    case AV_CODEC_ID_H264: return fifo::Codec::h264;
    case AV_CODEC_ID_HEVC: return fifo::Codec::h265;
    case AV_CODEC_ID_AAC: return fifo::Codec::aac;
    case AV_CODEC_ID_PCM_ALAW: return fifo::Codec::pcm_alaw;
    case AV_CODEC_ID_PCM_MULAW: return fifo::Codec::pcm_mulaw;
    case AV_CODEC_ID_OPUS: return fifo::Codec::opus;
    default: return fifo::Codec::unknown;
  }
}

AVCodecID codec_to_av(fifo::Codec codec) noexcept {
  switch (codec) {
    case fifo::Codec::h264: return AV_CODEC_ID_H264;
    case fifo::Codec::h265: return AV_CODEC_ID_HEVC;
    case fifo::Codec::aac: return AV_CODEC_ID_AAC;
    case fifo::Codec::pcm_alaw: return AV_CODEC_ID_PCM_ALAW;
    case fifo::Codec::pcm_mulaw: return AV_CODEC_ID_PCM_MULAW;
    case fifo::Codec::opus: return AV_CODEC_ID_OPUS;
    case fifo::Codec::unknown: break;
  }
  return AV_CODEC_ID_NONE;
}

fifo::TrackInfo track_from_parameters(uint32_t track_id, const AVCodecParameters& par, AVRational time_base) {
  fifo::TrackInfo t;
  t.track_id = track_id;
  t.codec = codec_from_av(par.codec_id);
  t.kind = fifo::media_kind_of(t.codec);
  t.time_base = {time_base.num, time_base.den};
  if (t.kind == fifo::MediaKind::video) {
    t.width = static_cast<uint32_t>(par.width > 0 ? par.width : 0);
    t.height = static_cast<uint32_t>(par.height > 0 ? par.height : 0);
    if (const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(par.format)))
      t.bits_per_sample = static_cast<uint32_t>(d->comp[0].depth);
    else if (par.bits_per_raw_sample > 0)
      t.bits_per_sample = static_cast<uint32_t>(par.bits_per_raw_sample);
  } else if (t.kind == fifo::MediaKind::audio) {
    t.sample_rate = static_cast<uint32_t>(par.sample_rate > 0 ? par.sample_rate : 0);
    t.channels = static_cast<uint32_t>(par.ch_layout.nb_channels > 0 ? par.ch_layout.nb_channels : 0);
    if (t.codec == fifo::Codec::pcm_alaw || t.codec == fifo::Codec::pcm_mulaw) t.bits_per_sample = 8;
  }
  return t;
}

}  // namespace zc::media
