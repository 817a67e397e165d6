// One pusher's media (ANNOUNCE/RECORD): an appsink named depay<N> per media section of its SDP, where
// gst-rtsp-server hands over the RTP packets it received (over interleaved TCP or UDP, through its rtpbin), and
// zc::ingest's depacketizers that turn them into access units for the ring without decoding anything — the same
// code and the same ring contents as zcrec's own RTSP client pulling from a camera.
#pragma once

#include <zc/ingest/sdp.h>

#include <gst/gst.h>

#include <cstdint>
#include <memory>
#include <string>

namespace zc::serve {

class RingMount;

// The tracks of `sdp` that a ring can carry (the first H.264/H.265 video and the first AAC/PCMA/PCMU audio), as
// "H.264 video, AAC audio"; empty when there is none.
std::string carried_tracks(const ingest::Sdp& sdp);

// The bin of a push media: depay0..depay<N-1> for the N media sections of `sdp` (gst-rtsp-server needs one per
// section), writing into the mount's ring. The mount's push target must be claimed by `owner`; the bin releases it
// when it is finalized (the pusher left). Throws std::exception when the bin cannot be built.
GstElement* make_push_bin(const std::shared_ptr<RingMount>& mount, uint64_t client, const void* owner,
                          const ingest::Sdp& sdp);

}  // namespace zc::serve
