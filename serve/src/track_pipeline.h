// Which GStreamer elements carry one ring track to RTP: the caps its appsrc announces and the payloader that
// puts it into RTP with the track's parameters in the SDP (H.264/H.265 sprop from the in-band parameter sets the
// feed puts in front of the first keyframe; AAC's AudioSpecificConfig as the caps' codec_data).
#pragma once

#include "gst_ptr.h"

#include <zc/fifo/frame.h>

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace zc::serve {

struct TrackElements {
  uint32_t track_id = 0;
  GstElement* appsrc = nullptr;  // owned by the bin (one reference of our own held by ClientFeed)
};

// True for the codecs the server can put into RTP (H.264, H.265, AAC with its configuration, G.711).
bool servable(const fifo::TrackInfo& track);

// The appsrc caps of a servable track.
CapsPtr caps_for(const fifo::TrackInfo& track);

// Adds appsrc + payloader (named pay0, pay1, ... as gst-rtsp-server expects) for every servable track of `info`
// that is in `live` to `bin`. Returns the appsrcs, in the order of the payloaders; empty when no track is
// servable. Throws ServeError(missing_plugin) when an element cannot be made.
std::vector<TrackElements> add_track_elements(GstBin* bin, const fifo::StreamInfo& info,
                                              const std::set<uint32_t>& live);

}  // namespace zc::serve
