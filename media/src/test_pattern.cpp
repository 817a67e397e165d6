#include "test_pattern.h"

extern "C" {
#include <libavutil/pixdesc.h>
}

#include <cmath>
#include <numbers>

namespace zc::media {

namespace {

template <typename Sample>
void draw_planes(AVFrame& f, int64_t index, int depth) {
  const int shift = depth - 8;
  const int bar_x = static_cast<int>((index * 8) % (f.width > 0 ? f.width : 1));
  const int bar_w = f.width / 16 + 1;
  for (int y = 0; y < f.height; ++y) {
    auto* row = reinterpret_cast<Sample*>(f.data[0] + static_cast<ptrdiff_t>(y) * f.linesize[0]);
    for (int x = 0; x < f.width; ++x) {
      int v = (x + y + static_cast<int>(index * 2)) & 0xFF;
      if (x >= bar_x && x < bar_x + bar_w) v = 235;
      row[x] = static_cast<Sample>(v << shift);
    }
  }
  for (int plane = 1; plane < 3; ++plane)
    for (int y = 0; y < (f.height + 1) / 2; ++y) {
      auto* row = reinterpret_cast<Sample*>(f.data[plane] + static_cast<ptrdiff_t>(y) * f.linesize[plane]);
      for (int x = 0; x < (f.width + 1) / 2; ++x)
        row[x] = static_cast<Sample>(((plane == 1 ? x : y) / 4 + 64 + static_cast<int>(index % 64)) << shift);
    }
}

}  // namespace

void draw_test_pattern(AVFrame& frame, int64_t index) {
  const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(frame.format));
  const int depth = d != nullptr ? d->comp[0].depth : 8;
  if (depth > 8)
    draw_planes<uint16_t>(frame, index, depth);
  else
    draw_planes<uint8_t>(frame, index, 8);
}

void draw_sine(AVFrame& frame, int64_t first_sample) {
  auto* samples = reinterpret_cast<float*>(frame.data[0]);
  for (int i = 0; i < frame.nb_samples; ++i) {
    const double t = static_cast<double>(first_sample + i) / frame.sample_rate;
    samples[i] = static_cast<float>(0.3 * std::sin(2 * std::numbers::pi * 440.0 * t));
  }
}

}  // namespace zc::media
