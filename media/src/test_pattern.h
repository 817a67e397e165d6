// The picture of the synthetic camera: a diagonal gradient that drifts and a bright bar that sweeps across,
// so that every frame differs (motion makes P/B-frames non-trivial) and a decoded frame shows its index.
#pragma once

extern "C" {
#include <libavutil/frame.h>
}

#include <cstdint>

namespace zc::media {

// Fills a yuv420p or yuv420p10 frame (already allocated) with picture number `index`.
void draw_test_pattern(AVFrame& frame, int64_t index);

// Fills a mono float-planar audio frame with a 440 Hz sine starting at sample `first_sample`.
void draw_sine(AVFrame& frame, int64_t first_sample);

}  // namespace zc::media
