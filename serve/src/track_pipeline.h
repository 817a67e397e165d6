// Which GStreamer elements carry one ring track to RTP: the caps its appsrc announces and the payloader that
// puts it into RTP with the track's parameters in the SDP (H.264/H.265 sprop from the caps' avcC/hvcC record, or
// from the in-band parameter sets the feed puts in front of the first keyframe when no record can be made;
// AAC's AudioSpecificConfig as the caps' codec_data).
//
// H.264/H.265 go to the payloader length-prefixed (caps stream-format avc/hvc1): handed Annex-B, rtph264pay and
// rtph265pay find every NAL unit with a byte loop over the whole access unit, once per client (a seventh of
// the server's samples with 32 clients); the fanout converts each frame once for all of them instead.
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
  // Video given as 4-byte-length-prefixed NAL units (SharedFrame::length_prefixed()), its parameter sets in the
  // caps' record; false: Annex-B (SharedFrame::bytes()).
  bool length_prefixed = false;
};

// True for the codecs the server can put into RTP (H.264, H.265, AAC with its configuration, G.711).
bool servable(const fifo::TrackInfo& track);

// The appsrc caps of a servable track, Annex-B for video.
CapsPtr caps_for(const fifo::TrackInfo& track);
// The caps of an H.264/H.265 track given length-prefixed, with the avcC/hvcC record made from its Annex-B
// parameter sets as codec_data; null when the track is not H.264/H.265 or no record can be made (no or foreign
// parameter sets).
CapsPtr length_prefixed_caps_for(const fifo::TrackInfo& track);

// Adds appsrc + payloader (named pay0, pay1, ... as gst-rtsp-server expects) for every servable track of `info`
// that is in `live` to `bin`. Returns the appsrcs, in the order of the payloaders; empty when no track is
// servable. Throws ServeError(missing_plugin) when an element cannot be made.
std::vector<TrackElements> add_track_elements(GstBin* bin, const fifo::StreamInfo& info,
                                              const std::set<uint32_t>& live);

}  // namespace zc::serve
