// Move-only owners for every FFmpeg object zcrec holds, in one place (no other module declares an FFmpeg
// deleter). FFmpeg types stay out of the public headers of zc::recorder and zc::playback; this header is for
// their implementation files.
#pragma once

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavcodec/bsf.h>
#include <libavformat/avformat.h>
#include <libavutil/dict.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/frame.h>
#include <libavutil/mem.h>
#include <libswresample/swresample.h>
}

#include <cstdint>
#include <memory>
#include <string>

namespace zc::media {

struct AVFormatInputDeleter {
  void operator()(AVFormatContext* c) const noexcept { avformat_close_input(&c); }
};
// An output context also owns its AVIOContext when the muxer does not (AVFMT_NOFILE unset).
struct AVFormatOutputDeleter {
  void operator()(AVFormatContext* c) const noexcept {
    if (c == nullptr) return;
    if (c->oformat != nullptr && (c->oformat->flags & AVFMT_NOFILE) == 0 && c->pb != nullptr) avio_closep(&c->pb);
    avformat_free_context(c);
  }
};
struct AVCodecContextDeleter {
  void operator()(AVCodecContext* c) const noexcept { avcodec_free_context(&c); }
};
struct AVPacketDeleter {
  void operator()(AVPacket* p) const noexcept { av_packet_free(&p); }
};
struct AVFrameDeleter {
  void operator()(AVFrame* f) const noexcept { av_frame_free(&f); }
};
struct AVBSFContextDeleter {
  void operator()(AVBSFContext* b) const noexcept { av_bsf_free(&b); }
};
struct AVCodecParserDeleter {
  void operator()(AVCodecParserContext* p) const noexcept { av_parser_close(p); }
};
// Only the targets that transcode audio link libswresample; the others never instantiate this deleter.
struct SwrContextDeleter {
  void operator()(SwrContext* s) const noexcept { swr_free(&s); }
};
struct AVAudioFifoDeleter {
  void operator()(AVAudioFifo* f) const noexcept { av_audio_fifo_free(f); }
};
struct AVDictionaryDeleter {
  void operator()(AVDictionary* d) const noexcept { av_dict_free(&d); }
};
// A custom I/O context from avio_alloc_context(): its buffer is ours to free (libavformat may have replaced the
// one it was given, so the context's current one). Never for a context avio_open() made: that is avio_closep's.
struct CustomIoDeleter {
  void operator()(AVIOContext* c) const noexcept {
    if (c == nullptr) return;
    av_freep(&c->buffer);
    avio_context_free(&c);
  }
};
// Memory libav* handed over with av_malloc (avio_close_dyn_buf's bytes).
struct AvFreeDeleter {
  void operator()(void* p) const noexcept { av_free(p); }
};

using InputFormatPtr = std::unique_ptr<AVFormatContext, AVFormatInputDeleter>;
using OutputFormatPtr = std::unique_ptr<AVFormatContext, AVFormatOutputDeleter>;
using CodecContextPtr = std::unique_ptr<AVCodecContext, AVCodecContextDeleter>;
using PacketPtr = std::unique_ptr<AVPacket, AVPacketDeleter>;
using FramePtr = std::unique_ptr<AVFrame, AVFrameDeleter>;
using BsfPtr = std::unique_ptr<AVBSFContext, AVBSFContextDeleter>;
using ParserPtr = std::unique_ptr<AVCodecParserContext, AVCodecParserDeleter>;
using DictionaryPtr = std::unique_ptr<AVDictionary, AVDictionaryDeleter>;
using SwrPtr = std::unique_ptr<SwrContext, SwrContextDeleter>;
using AudioFifoPtr = std::unique_ptr<AVAudioFifo, AVAudioFifoDeleter>;
using CustomIoPtr = std::unique_ptr<AVIOContext, CustomIoDeleter>;
using AvBytesPtr = std::unique_ptr<uint8_t, AvFreeDeleter>;

inline PacketPtr make_packet() { return PacketPtr(av_packet_alloc()); }
inline FramePtr make_frame() { return FramePtr(av_frame_alloc()); }

// "what: FFmpeg's message for err".
inline std::string av_error_text(const std::string& what, int err) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(err, buf, sizeof buf);
  return what + ": " + buf;
}

}  // namespace zc::media
