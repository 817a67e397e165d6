// One video keyframe as a JPEG: what zcrecd's snapshot.jpg and event thumbnails serve (docs/web.md, "Pictures").
// Decoded by libavcodec (H.264 or H.265, one thread), scaled by libswscale, encoded by libavcodec's mjpeg.
#pragma once

#include <zc/fifo/frame.h>

#include <cstdint>
#include <span>
#include <vector>

namespace zc::media {

struct JpegOptions {
  // The picture is scaled down (never up) to fit this box, keeping its aspect ratio; sizes are rounded to even.
  int max_width = 1280;
  int max_height = 1280;
  int quality = 4;  // mjpeg quantiser scale, 2 (best) .. 31 (smallest)
};

struct Jpeg {
  std::vector<uint8_t> bytes;  // a baseline JFIF file
  int width = 0, height = 0;   // of the JPEG, in pixels
};

// `access_unit` is one Annex-B keyframe of `video` (an IDR, or an IRAP for H.265); the track's parameter sets
// (`video.config`) are sent in front of it, so a keyframe without in-band SPS/PPS decodes too.
// Throws MediaError: unsupported_codec (not H.264/H.265), invalid_argument (a box or quality out of range),
// invalid_data (the access unit does not decode to a picture).
Jpeg keyframe_to_jpeg(const fifo::TrackInfo& video, std::span<const uint8_t> access_unit,
                      const JpegOptions& options = {});

}  // namespace zc::media
