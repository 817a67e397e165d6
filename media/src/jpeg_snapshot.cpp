#include <zc/media/jpeg_snapshot.h>

#include <zc/media/codec_map.h>
#include <zc/media/error.h>
#include <zc/media/ffmpeg_ptr.h>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>
}

#include <algorithm>
#include <memory>
#include <string>

namespace zc::media {

namespace {

struct SwsDeleter {
  void operator()(SwsContext* s) const noexcept { sws_freeContext(s); }
};
using SwsPtr = std::unique_ptr<SwsContext, SwsDeleter>;

// Largest even size inside the box with the picture's aspect ratio; never larger than the picture.
std::pair<int, int> fit(int width, int height, const JpegOptions& o) {
  double scale = std::min({1.0, static_cast<double>(o.max_width) / width, static_cast<double>(o.max_height) / height});
  const int w = std::max(2, static_cast<int>(width * scale) & ~1);
  const int h = std::max(2, static_cast<int>(height * scale) & ~1);
  return {w, h};
}

FramePtr decode(const fifo::TrackInfo& video, std::span<const uint8_t> access_unit) {
  const AVCodec* codec = avcodec_find_decoder(codec_to_av(video.codec));
  if (codec == nullptr) throw MediaError(MediaErrc::unsupported_codec, "no decoder for this codec");
  CodecContextPtr ctx(avcodec_alloc_context3(codec));
  if (!ctx) throw MediaError(MediaErrc::invalid_data, "out of memory");
  ctx->thread_count = 1;  // bounded: one core at most, whatever the picture size
  if (avcodec_open2(ctx.get(), codec, nullptr) < 0) throw MediaError(MediaErrc::invalid_data, "the decoder did not open");

  PacketPtr packet(av_packet_alloc());
  const size_t size = video.config.size() + access_unit.size();
  if (!packet || size > static_cast<size_t>(INT32_MAX) - AV_INPUT_BUFFER_PADDING_SIZE ||
      av_new_packet(packet.get(), static_cast<int>(size)) < 0)
    throw MediaError(MediaErrc::invalid_data, "the keyframe is too large");
  std::copy(video.config.begin(), video.config.end(), packet->data);
  std::copy(access_unit.begin(), access_unit.end(), packet->data + video.config.size());
  packet->flags |= AV_PKT_FLAG_KEY;

  FramePtr frame(av_frame_alloc());
  if (!frame) throw MediaError(MediaErrc::invalid_data, "out of memory");
  // Sent then flushed: the decoder's reorder delay would otherwise hold the one picture back.
  if (avcodec_send_packet(ctx.get(), packet.get()) < 0 || avcodec_send_packet(ctx.get(), nullptr) < 0 ||
      avcodec_receive_frame(ctx.get(), frame.get()) < 0 || frame->width <= 0 || frame->height <= 0)
    throw MediaError(MediaErrc::invalid_data, "the keyframe did not decode to a picture");
  return frame;
}

}  // namespace

Jpeg keyframe_to_jpeg(const fifo::TrackInfo& video, std::span<const uint8_t> access_unit, const JpegOptions& o) {
  if (video.kind != fifo::MediaKind::video ||
      (video.codec != fifo::Codec::h264 && video.codec != fifo::Codec::h265))
    throw MediaError(MediaErrc::unsupported_codec, "a snapshot needs an H.264 or H.265 video track");
  if (o.max_width < 16 || o.max_height < 16 || o.max_width > 8192 || o.max_height > 8192 || o.quality < 2 ||
      o.quality > 31)
    throw MediaError(MediaErrc::invalid_argument, "snapshot box must be 16..8192 pixels and quality 2..31");
  const FramePtr picture = decode(video, access_unit);
  const auto [width, height] = fit(picture->width, picture->height, o);

  // Full-range 4:2:0, which JPEG means; the mjpeg encoder takes yuv420p when told its range is full.
  FramePtr scaled(av_frame_alloc());
  if (!scaled) throw MediaError(MediaErrc::invalid_data, "out of memory");
  scaled->format = AV_PIX_FMT_YUV420P;
  scaled->width = width;
  scaled->height = height;
  scaled->color_range = AVCOL_RANGE_JPEG;
  if (av_frame_get_buffer(scaled.get(), 0) < 0) throw MediaError(MediaErrc::invalid_data, "out of memory");
  // Ranges set before sws_init_context: set afterwards, the unscaled copy path (same size, same layout) would
  // ignore them and a limited-range picture would come out washed out.
  SwsPtr sws(sws_alloc_context());
  if (!sws) throw MediaError(MediaErrc::invalid_data, "out of memory");
  const bool set = av_opt_set_int(sws.get(), "srcw", picture->width, 0) >= 0 &&
                   av_opt_set_int(sws.get(), "srch", picture->height, 0) >= 0 &&
                   av_opt_set_int(sws.get(), "src_format", picture->format, 0) >= 0 &&
                   av_opt_set_int(sws.get(), "src_range", picture->color_range == AVCOL_RANGE_JPEG ? 1 : 0, 0) >= 0 &&
                   av_opt_set_int(sws.get(), "dstw", width, 0) >= 0 && av_opt_set_int(sws.get(), "dsth", height, 0) >= 0 &&
                   av_opt_set_int(sws.get(), "dst_format", AV_PIX_FMT_YUV420P, 0) >= 0 &&
                   av_opt_set_int(sws.get(), "dst_range", 1, 0) >= 0 &&
                   av_opt_set_int(sws.get(), "sws_flags", SWS_AREA, 0) >= 0;
  if (!set || sws_init_context(sws.get(), nullptr, nullptr) < 0)
    throw MediaError(MediaErrc::invalid_data, "the picture's pixel format cannot be scaled");
  sws_scale(sws.get(), picture->data, picture->linesize, 0, picture->height, scaled->data, scaled->linesize);

  const AVCodec* mjpeg = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
  if (mjpeg == nullptr) throw MediaError(MediaErrc::unsupported_codec, "libavcodec has no mjpeg encoder");
  CodecContextPtr enc(avcodec_alloc_context3(mjpeg));
  if (!enc) throw MediaError(MediaErrc::invalid_data, "out of memory");
  enc->width = width;
  enc->height = height;
  enc->pix_fmt = AV_PIX_FMT_YUV420P;
  enc->color_range = AVCOL_RANGE_JPEG;
  enc->time_base = AVRational{1, 25};
  enc->flags |= AV_CODEC_FLAG_QSCALE;
  enc->global_quality = FF_QP2LAMBDA * o.quality;
  enc->thread_count = 1;
  if (avcodec_open2(enc.get(), mjpeg, nullptr) < 0) throw MediaError(MediaErrc::invalid_data, "the JPEG encoder did not open");
  scaled->quality = enc->global_quality;
  scaled->pts = 0;
  PacketPtr out(av_packet_alloc());
  if (!out || avcodec_send_frame(enc.get(), scaled.get()) < 0 || avcodec_receive_packet(enc.get(), out.get()) < 0)
    throw MediaError(MediaErrc::invalid_data, "the JPEG encoder failed");
  Jpeg jpeg;
  jpeg.bytes.assign(out->data, out->data + out->size);
  jpeg.width = width;
  jpeg.height = height;
  return jpeg;
}

}  // namespace zc::media
