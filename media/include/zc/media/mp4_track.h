// The one MP4 track setup: how a zcrec track (fifo::TrackInfo) becomes a stream of libavformat's mp4 muxer, for
// the recorder's fragmented segments and for `zcrec export` alike. Codec ids come from codec_map.h; H.265 is
// tagged 'hvc1' (Apple players accept H.265 in MP4 only so: parameter sets in the sample entry); the decoder
// configuration is the track's Annex-B parameter sets, or the avcC/hvcC record built from them (mp4_sample.h);
// AAC carries its AudioSpecificConfig.
#pragma once

#include <zc/fifo/frame.h>

extern "C" {
#include <libavformat/avformat.h>
}

namespace zc::media {

// Whether an MP4 file can carry the codec (H.264, H.265, AAC, Opus; not G.711, which libavformat's mp4 muxer
// refuses).
bool mp4_can_carry(fifo::Codec codec) noexcept;

struct Mp4TrackOptions {
  // Time base asked of the muxer for this stream, e.g. the track's own (segments) or 1/90000 (export). The
  // muxer may pick another when it writes the header: read the stream's time base back after that.
  AVRational time_base{1, 90000};
  // Video only: give the muxer an avcC/hvcC record instead of Annex-B parameter sets, so that it takes samples
  // as they are and the caller converts each one with mp4_sample::from_annexb (cheaper than the muxer's own
  // conversion, docs/benchmarks.md). Ignored, and Mp4Track::length_prefixed false, when no record can be made
  // (a configuration that is not Annex-B).
  bool length_prefixed_video = false;
  // AAC only: declare 1024 samples per frame (AAC-LC), from which the muxer takes the last sample's duration
  // when packets carry none. Export leaves it unset: libavformat 5.1 then reckons audio durations itself.
  bool aac_frame_size = false;
};

struct Mp4Track {
  AVStream* stream = nullptr;    // owned by the muxer
  bool length_prefixed = false;  // video samples must be converted (see Mp4TrackOptions::length_prefixed_video)
};

// Adds `track` as a new stream of `muxer` (an mp4 output context before avformat_write_header).
// Throws MediaError: unsupported_codec (see mp4_can_carry), muxer (out of memory).
Mp4Track add_mp4_track(AVFormatContext& muxer, const fifo::TrackInfo& track, const Mp4TrackOptions& options);

}  // namespace zc::media
