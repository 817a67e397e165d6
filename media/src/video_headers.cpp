#include "video_headers.h"

#include <zc/media/annexb_scan.h>
#include <zc/media/codec_map.h>

#include <zc/media/error.h>

#include <cstring>

namespace zc::media {

namespace {

// libavcodec's H.264 and H.265 parsers read the NAL units before an access unit's first slice and then that
// slice's header only (H.264 at most 1000 bytes of it, to reach its reference picture marking), and return. What
// follows cannot change what they find, but they allocate, zero and (H.265) unescape a buffer the size of
// everything they are given: handing them the access unit only up to this far past the first slice's NAL header
// gives the same headers for a fraction of the cost on large pictures.
constexpr size_t kBytesPastFirstSlice = 2048;

size_t header_bytes(fifo::Codec codec, std::span<const uint8_t> au) {
  for (size_t at = annexb::next_start(au, 0); at < au.size(); at = annexb::next_start(au, at)) {
    const int type = codec == fifo::Codec::h264 ? au[at] & 0x1F : (au[at] >> 1) & 0x3F;
    const bool slice = codec == fifo::Codec::h264 ? type >= 1 && type <= 5 : type <= 31;
    if (slice) return std::min(au.size(), at + kBytesPastFirstSlice);
  }
  return au.size();
}

}  // namespace

VideoHeaderParser::VideoHeaderParser(fifo::Codec codec) : codec_(codec) {
  const AVCodecID id = codec_to_av(codec);
  context_.reset(avcodec_alloc_context3(nullptr));
  parser_.reset(av_parser_init(id));
  if (!context_ || !parser_) throw MediaError(MediaErrc::invalid_data, "no libavcodec parser for this codec");
  context_->codec_type = AVMEDIA_TYPE_VIDEO;
  context_->codec_id = id;
  parser_->flags |= PARSER_FLAG_COMPLETE_FRAMES;
}

void VideoHeaderParser::compute_durations(AVRational demuxer_rate, AVRational time_base) {
  // What the raw demuxer and libavformat's stream set up before the first packet: the demuxer's frame rate in
  // the codec context, which the parser replaces with the SPS's when it declares one, and the decoder's ticks
  // per frame (2 for H.264, counted in fields; 1 for H.265), which the H.264 parser uses in that rate.
  context_->framerate = demuxer_rate;
  context_->ticks_per_frame = context_->codec_id == AV_CODEC_ID_H264 ? 2 : 1;
  duration_time_base_ = time_base;
}

VideoHeaderParser::Headers VideoHeaderParser::parse(std::span<const uint8_t> au) {
  au = au.first(header_bytes(codec_, au));
  padded_.assign(au.begin(), au.end());
  padded_.resize(au.size() + AV_INPUT_BUFFER_PADDING_SIZE, 0);
  parser_->output_picture_number = -1;
  uint8_t* out = nullptr;
  int out_size = 0;
  av_parser_parse2(parser_.get(), context_.get(), &out, &out_size, padded_.data(), static_cast<int>(au.size()),
                   AV_NOPTS_VALUE, AV_NOPTS_VALUE, 0);
  Headers h;
  h.width = parser_->width > 0 ? parser_->width : context_->width;
  h.height = parser_->height > 0 ? parser_->height : context_->height;
  if (parser_->output_picture_number >= 0) h.poc = parser_->output_picture_number;
  // libavformat's rule for a parsed packet's key flag (demux.c, parse_packet).
  h.keyframe = parser_->key_frame == 1 || (parser_->key_frame == -1 && parser_->pict_type == AV_PICTURE_TYPE_I);
  if (duration_time_base_) {
    // libavformat's rule for a packet without a duration (demux.c, ff_compute_frame_duration and
    // compute_pkt_fields): one tick of the codec's frame rate, times 1 + repeat_pict, rounded down.
    const AVRational rate = context_->framerate;
    if (rate.num > 0 && rate.den > 0 && int64_t{rate.den} * 1000 > rate.num) {
      int num = 0, den = 0;
      av_reduce(&num, &den, rate.den, int64_t{rate.num} * context_->ticks_per_frame, INT_MAX);
      if (parser_->repeat_pict != 0) av_reduce(&num, &den, int64_t{num} * (1 + parser_->repeat_pict), den, INT_MAX);
      const AVRational tb = *duration_time_base_;
      if (num > 0 && den > 0)
        h.duration = av_rescale_rnd(1, int64_t{num} * tb.den, int64_t{den} * tb.num, AV_ROUND_DOWN);
    }
  }
  return h;
}

}  // namespace zc::media
