// Mapping between libavcodec's codec ids/parameters and zcrec's track description: the only codec map in zcrec
// (demuxing, the MP4 track setup of segments and export, the recorder's G.711 decoder all use it).
#pragma once

#include <zc/fifo/frame.h>

extern "C" {
#include <libavcodec/codec_par.h>
#include <libavutil/rational.h>
}

namespace zc::media {

// zcrec's codec for a libavcodec id; Codec::unknown when zcrec does not carry it.
fifo::Codec codec_from_av(AVCodecID id) noexcept;
AVCodecID codec_to_av(fifo::Codec codec) noexcept;

// Kind, codec, time base, geometry or audio format of a track; `config` is left for the caller, which knows
// whether the extradata is Annex-B, avcC/hvcC or an AudioSpecificConfig.
fifo::TrackInfo track_from_parameters(uint32_t track_id, const AVCodecParameters& par, AVRational time_base);

}  // namespace zc::media
