#include "video_headers.h"

#include <zc/media/codec_map.h>

#include <zc/media/error.h>

#include <cstring>

namespace zc::media {

VideoHeaderParser::VideoHeaderParser(fifo::Codec codec) {
  const AVCodecID id = codec_to_av(codec);
  context_.reset(avcodec_alloc_context3(nullptr));
  parser_.reset(av_parser_init(id));
  if (!context_ || !parser_) throw MediaError(MediaErrc::invalid_data, "no libavcodec parser for this codec");
  context_->codec_type = AVMEDIA_TYPE_VIDEO;
  context_->codec_id = id;
  parser_->flags |= PARSER_FLAG_COMPLETE_FRAMES;
}

VideoHeaderParser::Headers VideoHeaderParser::parse(std::span<const uint8_t> au) {
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
  return h;
}

}  // namespace zc::media
