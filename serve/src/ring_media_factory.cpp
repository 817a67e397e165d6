#include "ring_media_factory.h"

#include "client_feed.h"
#include "push_session.h"
#include "track_pipeline.h"

#include <zc/fifo/ring_reader.h>
#include <zc/ingest/error.h>
#include <zc/ingest/sdp.h>

#include <gst/rtsp-server/rtsp-context.h>

#include <exception>
#include <set>

// The GObject subclass: create_element() builds the client's bin and its feed; create_pipeline() makes the
// server's sinks send as soon as a frame is there (see unsync_sink).
struct ZcRingMediaFactory {
  GstRTSPMediaFactory parent;
  // Owned, on the heap: GObject allocates instances as C structs and runs no C++ constructor on their fields.
  std::shared_ptr<zc::serve::RingMount>* mount;
};
struct ZcRingMediaFactoryClass {
  GstRTSPMediaFactoryClass parent_class;
};

G_DEFINE_TYPE(ZcRingMediaFactory, zc_ring_media_factory, GST_TYPE_RTSP_MEDIA_FACTORY)

namespace zc::serve {
namespace {

constexpr const char* kFeedKey = "zc-client-feed";

ZcRingMediaFactory* self_of(GstRTSPMediaFactory* f) { return reinterpret_cast<ZcRingMediaFactory*>(f); }

// The server's RTP sinks (multiudpsink for UDP, appsink for interleaved TCP) would hold each packet until its
// running time: a client's first GOP, read from the ring's past, would then go out at the pace it was filmed and
// the client would stay that far behind live for good. Sent at once, the client decodes the keyframe at PLAY and
// catches up; its jitter buffer smooths the rest. RTCP sinks are already unsynchronised.
//
// gst-rtsp-server also puts an ULP FEC decoder (rtpulpfecdec) on every stream of a push (RECORD). GStreamer 1.22's
// asserts — aborting the whole process, zcrecd included — when the jitter buffer reports a lost packet before the
// decoder learned an SSRC from caps, which a push never gives it: one missing sequence number from any pusher was
// enough. zcrec uses no FEC, and its depacketizers count losses by sequence number themselves, so the loss events
// are dropped before the decoder.
GstPadProbeReturn drop_packet_lost(GstPad*, GstPadProbeInfo* info, gpointer) {
  GstEvent* e = GST_PAD_PROBE_INFO_EVENT(info);
  if (e && GST_EVENT_TYPE(e) == GST_EVENT_CUSTOM_DOWNSTREAM && gst_event_has_name(e, "GstRTPPacketLost"))
    return GST_PAD_PROBE_DROP;
  return GST_PAD_PROBE_OK;
}

const char* factory_name(GstElement* element) {
  GstElementFactory* f = gst_element_get_factory(element);
  return f ? gst_plugin_feature_get_name(GST_PLUGIN_FEATURE(f)) : "";
}

void unsync_sink(GstElement* element) {
  const char* name = factory_name(element);
  if (g_str_equal(name, "multiudpsink") || g_str_equal(name, "appsink")) g_object_set(element, "sync", FALSE, nullptr);
}

void element_added(GstBin*, GstBin*, GstElement* element, gpointer) {
  unsync_sink(element);
  if (g_str_equal(factory_name(element), "rtpulpfecdec"))
    if (GstPad* sink = gst_element_get_static_pad(element, "sink")) {
      gst_pad_add_probe(sink, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, &drop_packet_lost, nullptr, nullptr);
      gst_object_unref(sink);
    }
}

void unsync_sink_item(const GValue* item, gpointer) { unsync_sink(GST_ELEMENT(g_value_get_object(item))); }

GstElement* create_pipeline(GstRTSPMediaFactory* factory, GstRTSPMedia* media) {
  auto* parent = GST_RTSP_MEDIA_FACTORY_CLASS(zc_ring_media_factory_parent_class);
  GstElement* pipeline = parent->create_pipeline(factory, media);
  if (pipeline) g_signal_connect(pipeline, "deep-element-added", G_CALLBACK(element_added), nullptr);
  return pipeline;
}

// The tracks that have frames from the reader's position (the newest keyframe) to the ring's head, looked at in
// place without copying. gst-rtsp-server answers DESCRIBE only once every stream of a live media has had a
// buffer: a track the stream info declares but that sends nothing (a camera whose audio died) would hold the
// client's DESCRIBE until it comes back. Such a track is left out of this client's SDP instead.
std::set<uint32_t> tracks_with_frames(fifo::RingReader& reader) {
  std::set<uint32_t> seen;
  for (int i = 0; i < 100'000; ++i) {  // a bound for a ring that fills as fast as it is scanned
    const auto v = reader.peek();
    if (!v) break;
    if ((v->header.flags & fifo::frame_flag::end_of_stream) == 0) seen.insert(v->header.track);
    reader.consume(*v);
  }
  return seen;
}

bool is_announce() {
  GstRTSPContext* ctx = gst_rtsp_context_get_current();
  return ctx && ctx->method == GST_RTSP_ANNOUNCE;
}

// A pusher's media: ZcRingAuth accepted its ANNOUNCE already; here it takes the mount (unless another pusher won
// a race for it between the check and now: gst-rtsp-server then answers 400).
GstElement* create_push_element(const std::shared_ptr<RingMount>& mount, GstRTSPContext* ctx) {
  const auto& push = mount->push_target();
  const void* owner = ctx->client;
  if (!push || !ctx->request) return nullptr;
  guint8* data = nullptr;
  guint size = 0;
  if (gst_rtsp_message_get_body(ctx->request, &data, &size) != GST_RTSP_OK || !data) return nullptr;
  try {
    const ingest::Sdp sdp = ingest::parse_sdp(std::string_view(reinterpret_cast<const char*>(data), size));
    if (!push->claim(owner)) {
      push->count_refused();
      return nullptr;
    }
    try {
      return make_push_bin(mount, mount->next_client_id(), owner, sdp);
    } catch (...) {
      push->release(owner, 0, 0);
      throw;
    }
  } catch (const std::exception& e) {
    ClientEvent ev;
    ev.kind = ClientEvent::Kind::refused;
    ev.ring = mount->ring();
    ev.reason = std::string("a push: ") + e.what();
    mount->emit(ev);
    return nullptr;
  }
}

// The factory of a push mount makes both kinds of media: the request that builds it says which.
void configure(GstRTSPMediaFactory* factory, GstRTSPMedia* media) {
  GST_RTSP_MEDIA_FACTORY_CLASS(zc_ring_media_factory_parent_class)->configure(factory, media);
  gst_rtsp_media_set_transport_mode(media, is_announce() ? GST_RTSP_TRANSPORT_MODE_RECORD : GST_RTSP_TRANSPORT_MODE_PLAY);
}

GstElement* create_element(GstRTSPMediaFactory* factory, const GstRTSPUrl*) {
  const std::shared_ptr<RingMount>& mount = *self_of(factory)->mount;
  // The RTSP connection asking (create_element runs inside its request): its SETUPs reuse this media.
  GstRTSPContext* ctx = gst_rtsp_context_get_current();
  if (ctx && ctx->method == GST_RTSP_ANNOUNCE) return create_push_element(mount, ctx);
  const void* owner = ctx ? static_cast<const void*>(ctx->client) : nullptr;
  const uint64_t client = mount->admit(owner);
  // ZcRingAuth refused with 503 already, unless two clients raced for the last place: gst-rtsp-server then
  // answers 400 (and logs that it could not create the element).
  if (client == 0) return nullptr;
  try {
    // A reader of its own only to describe the stream: the frames come from the ring's fanout.
    auto reader = fifo::RingReader::open(mount->ring());
    const fifo::StreamInfo info = reader.refresh_stream_info();
    // Tracks with frames since the keyframe before the newest: a track whose frames are sparser than the time
    // since the newest keyframe (G.711 in 128 ms packets, just after a keyframe) is live all the same; one that
    // sent nothing for a whole GOP is not.
    if (const auto newest = reader.newest_keyframe())
      if (const auto before = reader.keyframe_at_or_before(newest->mono_ns - 1)) reader.seek_to(*before);
    const std::set<uint32_t> live = tracks_with_frames(reader);
    GstElement* bin = gst_bin_new(nullptr);
    std::vector<TrackElements> tracks;
    try {
      tracks = add_track_elements(GST_BIN(bin), info, live);
    } catch (...) {
      gst_object_unref(bin);
      throw;
    }
    if (tracks.empty()) {
      gst_object_unref(bin);
      mount->release(owner, false);
      mount->count_refusal("it has no track that RTP can carry with frames in its last two keyframe intervals");
      return nullptr;
    }
    auto* feed = new ClientFeed(mount, client, owner, info, tracks);
    // The feed lives as long as the client's bin: gst-rtsp-server drops the bin with the media.
    g_object_set_data_full(G_OBJECT(bin), kFeedKey, feed, [](gpointer p) { delete static_cast<ClientFeed*>(p); });
    return bin;
  } catch (const std::exception& e) {
    mount->release(owner, false);
    mount->count_refusal(e.what());
    return nullptr;
  }
}

void finalize(GObject* object) {
  delete reinterpret_cast<ZcRingMediaFactory*>(object)->mount;
  G_OBJECT_CLASS(zc_ring_media_factory_parent_class)->finalize(object);
}

}  // namespace

GstRTSPMediaFactory* make_ring_media_factory(std::shared_ptr<RingMount> mount) {
  auto* f = static_cast<ZcRingMediaFactory*>(g_object_new(zc_ring_media_factory_get_type(), nullptr));
  f->mount = new std::shared_ptr<RingMount>(std::move(mount));
  return &f->parent;
}

RingMount* ring_mount_of(GstRTSPMediaFactory* factory) {
  if (!G_TYPE_CHECK_INSTANCE_TYPE(factory, zc_ring_media_factory_get_type())) return nullptr;
  auto* self = self_of(factory);
  return self->mount ? self->mount->get() : nullptr;
}

ClientFeed* client_feed_of(GstRTSPMedia* media) {
  if (!media) return nullptr;
  GstElement* element = gst_rtsp_media_get_element(media);
  if (!element) return nullptr;
  // The media holds its element, and the element the feed: both outlive this reference.
  auto* feed = static_cast<ClientFeed*>(g_object_get_data(G_OBJECT(element), kFeedKey));
  gst_object_unref(element);
  return feed;
}

void send_at_once(GstRTSPMedia* media) {
  GstElement* element = gst_rtsp_media_get_element(media);  // the media's bin (payloaders), inside its pipeline
  if (!element) return;
  if (GstObject* pipeline = gst_object_get_parent(GST_OBJECT(element))) {
    GstIterator* it = gst_bin_iterate_sinks(GST_BIN(pipeline));
    gst_iterator_foreach(it, &unsync_sink_item, nullptr);
    gst_iterator_free(it);
    gst_object_unref(pipeline);
  }
  gst_object_unref(element);
}

}  // namespace zc::serve

static void zc_ring_media_factory_class_init(ZcRingMediaFactoryClass* klass) {
  G_OBJECT_CLASS(klass)->finalize = zc::serve::finalize;
  GST_RTSP_MEDIA_FACTORY_CLASS(klass)->create_element = zc::serve::create_element;
  GST_RTSP_MEDIA_FACTORY_CLASS(klass)->create_pipeline = zc::serve::create_pipeline;
  GST_RTSP_MEDIA_FACTORY_CLASS(klass)->configure = zc::serve::configure;
}

static void zc_ring_media_factory_init(ZcRingMediaFactory* self) { self->mount = nullptr; }
