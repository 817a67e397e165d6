// What a receiver of RTP makes of one SDP media section besides its depacketizer: the track's description for the
// ring (codec, clock, parameter sets from sprop-*, the AAC AudioSpecificConfig from config=, the picture size
// from the SPS), and zc::media's rule for parameter sets that arrive in band. Shared by the native RTSP client
// (a camera's DESCRIBE) and zc::serve's pushed streams (a pusher's ANNOUNCE).
#pragma once

#include <zc/fifo/frame.h>
#include <zc/ingest/sdp.h>

#include <cstdint>
#include <span>
#include <vector>

namespace zc::ingest {

// The ring's TrackInfo of `media` (whose codec_of() is not unknown) as track `track_id`: time base 1/clock rate
// (90000 for video and 8000 for audio when the SDP gives none); video config from sprop-parameter-sets (H.264) or
// sprop-vps/sps/pps (H.265) in Annex-B, with width/height/bit depth from its SPS; AAC config from config= (hex).
// A video track whose SDP carries no parameter sets has an empty config: they must come in band.
fifo::TrackInfo track_info_of(const SdpMedia& media, uint32_t track_id);

// The configuration rule of zc::media (ParameterSets): a keyframe's in-band sets change the track's configuration
// only when one of them is not in it already; they then replace the sets of their NAL types, and the size is read
// again from the SPS. True when the configuration changed.
bool update_track_config(fifo::TrackInfo& track, std::span<const uint8_t> in_band_sets);

}  // namespace zc::ingest
