#include "ring_auth.h"

#include "push_session.h"
#include "ring_media_factory.h"
#include "track_pipeline.h"

#include <zc/fifo/error.h>
#include <zc/fifo/ring_reader.h>
#include <zc/ingest/error.h>
#include <zc/ingest/sdp.h>

#include <gst/rtsp-server/rtsp-client.h>

#include <algorithm>
#include <optional>
#include <string>

struct ZcRingAuth {
  GstRTSPAuth parent;
  gboolean credentials;             // set once at construction
  unsigned reserved_reader_slots;   // set once at construction
};
struct ZcRingAuthClass {
  GstRTSPAuthClass parent_class;
};

G_DEFINE_TYPE(ZcRingAuth, zc_ring_auth, GST_TYPE_RTSP_AUTH)

namespace zc::serve {
namespace {

void answer(GstRTSPContext* ctx, GstRTSPStatusCode code) {
  if (!ctx->client || !ctx->request || !ctx->response) return;
  gst_rtsp_message_init_response(ctx->response, code, gst_rtsp_status_as_text(code), ctx->request);
  gst_rtsp_client_send_message(ctx->client, nullptr, ctx->response);
}

// The SDP body of an ANNOUNCE, or nullopt when it has none that parses.
std::optional<ingest::Sdp> announced_sdp(GstRTSPMessage* request) {
  guint8* data = nullptr;
  guint size = 0;
  if (!request || gst_rtsp_message_get_body(request, &data, &size) != GST_RTSP_OK || !data || size == 0) return std::nullopt;
  try {
    return ingest::parse_sdp(std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const ingest::IngestError&) {
    return std::nullopt;
  }
}

gboolean refuse_push(RingMount* mount, GstRTSPContext* ctx, GstRTSPStatusCode code, const std::string& why) {
  if (const auto& push = mount->push_target()) push->count_refused();
  ClientEvent e;
  e.kind = ClientEvent::Kind::refused;
  e.ring = mount->ring();
  e.reason = "a push: " + why;
  mount->emit(e);
  answer(ctx, code);
  return FALSE;
}

// ANNOUNCE: a pusher wants to write into the mount's ring (docs/serving.md, "Streams pushed in").
gboolean check_push(RingMount* mount, GstRTSPContext* ctx) {
  const auto& push = mount->push_target();
  if (!push) return refuse_push(mount, ctx, GST_RTSP_STS_METHOD_NOT_ALLOWED, "the path is not open to pushes");
  const auto sdp = announced_sdp(ctx->request);
  if (!sdp) return refuse_push(mount, ctx, GST_RTSP_STS_BAD_REQUEST, "its ANNOUNCE has no SDP that can be read");
  if (carried_tracks(*sdp).empty())
    return refuse_push(mount, ctx, GST_RTSP_STS_UNSUPPORTED_MEDIA_TYPE,
                       "it has no track a ring can carry (H.264, H.265, AAC, PCMA, PCMU)");
  if (auto why = push->refusal()) return refuse_push(mount, ctx, GST_RTSP_STS_SERVICE_UNAVAILABLE, *why);
  return TRUE;
}

// With credentials: authenticated before anything else. The parent's URL check authenticates only the methods
// of a mask left empty, so a path that does not exist was answered 404 without credentials and one that does 401:
// camera names could be listed by anyone (found by an attacker trial).
gboolean authenticated(GstRTSPAuth* auth, GstRTSPContext* ctx) {
  auto* klass = GST_RTSP_AUTH_GET_CLASS(auth);
  if (ctx->token == nullptr && klass->authenticate) klass->authenticate(auth, ctx);
  if (ctx->token != nullptr) return TRUE;
  if (!ctx->client || !ctx->request || !ctx->response) return FALSE;
  gst_rtsp_message_init_response(ctx->response, GST_RTSP_STS_UNAUTHORIZED,
                                 gst_rtsp_status_as_text(GST_RTSP_STS_UNAUTHORIZED), ctx->request);
  if (klass->generate_authenticate_header) klass->generate_authenticate_header(auth, ctx);
  gst_rtsp_client_send_message(ctx->client, ctx->session, ctx->response);
  return FALSE;
}

gboolean check(GstRTSPAuth* auth, GstRTSPContext* ctx, const gchar* what) {
  const auto* self = reinterpret_cast<const ZcRingAuth*>(auth);
  if (self->credentials && g_str_equal(what, GST_RTSP_AUTH_CHECK_URL) && !authenticated(auth, ctx)) return FALSE;
  if (!GST_RTSP_AUTH_CLASS(zc_ring_auth_parent_class)->check(auth, ctx, what)) return FALSE;
  if (!g_str_equal(what, GST_RTSP_AUTH_CHECK_MEDIA_FACTORY_CONSTRUCT) || !ctx->factory) return TRUE;
  RingMount* mount = ring_mount_of(ctx->factory);
  if (!mount) return TRUE;
  // A SETUP of the push media this connection announced.
  if (const auto& push = mount->push_target(); push && push->is_pusher(ctx->client)) return TRUE;
  if (ctx->method == GST_RTSP_ANNOUNCE) return check_push(mount, ctx);
  if (mount->has_unclaimed(ctx->client)) return TRUE;  // the media this connection's request reuses (RingMount)
  fifo::RingStatus status;
  try {
    status = fifo::RingReader::inspect(mount->ring());
  } catch (const fifo::FifoError& e) {
    mount->count_refusal(e.code() == fifo::FifoErrc::not_found ? "no such ring" : e.what());
    answer(ctx, GST_RTSP_STS_NOT_FOUND);
    return FALSE;
  }
  if (std::none_of(status.info.tracks.begin(), status.info.tracks.end(), servable)) {
    mount->count_refusal("it has no track that RTP can carry yet (no stream info, or only unsupported codecs)");
    answer(ctx, GST_RTSP_STS_SERVICE_UNAVAILABLE);
    return FALSE;
  }
  const unsigned reserved = self->reserved_reader_slots;
  if (status.readers_attached + reserved >= status.reader_slots) {
    // A joining client reads the ring to describe it (its clients then share one reader), and a ring has a
    // fixed number of reader slots (shared with the recorder, the live view, `zcrec cat`). The last `reserved`
    // stay for those: 40 clients once took all 32, and an event's recording waited 35 s for a slot (attacker
    // trial).
    mount->count_refusal("the ring's free reader slots (" + std::to_string(status.reader_slots - std::min(status.reader_slots, status.readers_attached)) +
                         " of " + std::to_string(status.reader_slots) + ") are kept for its other readers");
    answer(ctx, GST_RTSP_STS_SERVICE_UNAVAILABLE);
    return FALSE;
  }
  if (mount->full()) {
    mount->count_refusal("every one of its " + std::to_string(mount->max_clients()) + " client places is taken");
    answer(ctx, GST_RTSP_STS_SERVICE_UNAVAILABLE);
    return FALSE;
  }
  return TRUE;
}

}  // namespace

GstRTSPAuth* make_ring_auth(const Credentials& c, unsigned reserved_reader_slots) {
  auto* auth = static_cast<GstRTSPAuth*>(g_object_new(zc_ring_auth_get_type(), nullptr));
  auto* self = reinterpret_cast<ZcRingAuth*>(auth);
  self->credentials = !c.user.empty();
  self->reserved_reader_slots = reserved_reader_slots;
  GstRTSPToken* token = gst_rtsp_token_new(GST_RTSP_TOKEN_MEDIA_FACTORY_ROLE, G_TYPE_STRING, kViewerRole, nullptr);
  if (c.user.empty()) {
    gst_rtsp_auth_set_default_token(auth, token);  // anyone is a viewer
  } else {
    gchar* basic = gst_rtsp_auth_make_basic(c.user.c_str(), c.password.c_str());
    gst_rtsp_auth_add_basic(auth, basic, token);
    g_free(basic);
    gst_rtsp_auth_add_digest(auth, c.user.c_str(), c.password.c_str(), token);
    gst_rtsp_auth_set_supported_methods(auth, static_cast<GstRTSPAuthMethod>(GST_RTSP_AUTH_BASIC | GST_RTSP_AUTH_DIGEST));
  }
  gst_rtsp_token_unref(token);
  return auth;
}

}  // namespace zc::serve

static void zc_ring_auth_class_init(ZcRingAuthClass* klass) { GST_RTSP_AUTH_CLASS(klass)->check = zc::serve::check; }

static void zc_ring_auth_init(ZcRingAuth*) {}
