// Counts the RTP packets libavformat's RTP demuxer reports as missed, per input. FFmpeg 5.1 does not flag the
// packets it then assembles from incomplete data (no AV_PKT_FLAG_CORRUPT from rtpdec); its only word on the loss
// is the log line "RTP: missed N packets", logged against the input's AVFormatContext. This monitor sits in
// av_log's callback (chaining to the default one) and counts those lines for the inputs registered with it.
//
// av_log's callback is process-wide FFmpeg state; the monitor installs itself once and keeps its table behind a
// mutex, so any number of sources in any threads can register.
#pragma once

#include <cstdint>

namespace zc::media::rtp_loss {

// Starts counting for the input whose AVFormatContext is `ctx` (before avformat_open_input: the probe may
// already lose packets). unwatch() before the context is freed.
void watch(const void* ctx);
void unwatch(const void* ctx) noexcept;
// Packets reported missed for `ctx` since watch().
uint64_t missed(const void* ctx) noexcept;

}  // namespace zc::media::rtp_loss
