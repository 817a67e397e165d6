// gst-rtsp-server's media factory for one ring: a media per client (never shared), built when the client asks
// (DESCRIBE, or SETUP without one) from the ring's stream info at that moment, with a ClientFeed of its own.
#pragma once

#include "ring_mount.h"

#include <gst/rtsp-server/rtsp-media-factory.h>
#include <gst/rtsp-server/rtsp-media.h>

#include <memory>

namespace zc::serve {

// A new factory (full reference) for `mount`'s ring.
GstRTSPMediaFactory* make_ring_media_factory(std::shared_ptr<RingMount> mount);

// The ring of a factory made by make_ring_media_factory; null for any other factory.
RingMount* ring_mount_of(GstRTSPMediaFactory* factory);

class ClientFeed;
// The feed of a player's media built by such a factory (it lives as long as the media's element); null for a
// pusher's media and any other media.
ClientFeed* client_feed_of(GstRTSPMedia* media);

// Makes the RTP sinks of `media`'s pipeline send each packet as soon as it comes (no wait for its running time).
// Needed again at every PLAY: gst-rtsp-server then sets the TCP sink's `sync` from the media's rate control
// (on, unless the client asked for ONVIF's Rate-Control: no), which made each client's streaming thread sleep on
// the clock before every picture (a wakeup per client-frame, and a picture of latency).
void send_at_once(GstRTSPMedia* media);

}  // namespace zc::serve
