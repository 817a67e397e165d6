#include "track_pipeline.h"

#include <zc/media/mp4_sample.h>
#include <zc/serve/error.h>

#include <gst/app/gstappsrc.h>

#include <string>

namespace zc::serve {
namespace {

GstElement* make(const char* factory, const std::string& name) {
  GstElement* e = gst_element_factory_make(factory, name.c_str());
  if (!e)
    throw ServeError(ServeErrc::missing_plugin,
                     std::string("the GStreamer element ") + factory + " is not installed");
  return e;
}

const char* payloader_for(fifo::Codec codec) {
  switch (codec) {
    case fifo::Codec::h264: return "rtph264pay";
    case fifo::Codec::h265: return "rtph265pay";
    case fifo::Codec::aac: return "rtpmp4gpay";  // MPEG4-GENERIC (RFC 3640), what cameras send and ffmpeg reads
    case fifo::Codec::pcm_alaw: return "rtppcmapay";
    case fifo::Codec::pcm_mulaw: return "rtppcmupay";
    default: return nullptr;
  }
}

}  // namespace

bool servable(const fifo::TrackInfo& t) {
  switch (t.codec) {
    case fifo::Codec::h264:
    case fifo::Codec::h265: return true;
    // Without its AudioSpecificConfig an AAC track cannot be described in the SDP.
    case fifo::Codec::aac: return !t.config.empty() && t.sample_rate > 0 && t.channels > 0;
    case fifo::Codec::pcm_alaw:
    case fifo::Codec::pcm_mulaw: return t.sample_rate > 0 && t.channels > 0;
    default: return false;
  }
}

CapsPtr caps_for(const fifo::TrackInfo& t) {
  const int rate = static_cast<int>(t.sample_rate), channels = static_cast<int>(t.channels);
  switch (t.codec) {
    case fifo::Codec::h264:
      return CapsPtr(gst_caps_new_simple("video/x-h264", "stream-format", G_TYPE_STRING, "byte-stream", "alignment",
                                         G_TYPE_STRING, "au", nullptr));
    case fifo::Codec::h265:
      return CapsPtr(gst_caps_new_simple("video/x-h265", "stream-format", G_TYPE_STRING, "byte-stream", "alignment",
                                         G_TYPE_STRING, "au", nullptr));
    case fifo::Codec::aac: {
      GstBuffer* asc = gst_buffer_new_memdup(t.config.data(), t.config.size());
      CapsPtr caps(gst_caps_new_simple("audio/mpeg", "mpegversion", G_TYPE_INT, 4, "stream-format", G_TYPE_STRING,
                                       "raw", "rate", G_TYPE_INT, rate, "channels", G_TYPE_INT, channels,
                                       "codec_data", GST_TYPE_BUFFER, asc, nullptr));
      gst_buffer_unref(asc);
      return caps;
    }
    case fifo::Codec::pcm_alaw:
      return CapsPtr(gst_caps_new_simple("audio/x-alaw", "rate", G_TYPE_INT, rate, "channels", G_TYPE_INT, channels,
                                         nullptr));
    case fifo::Codec::pcm_mulaw:
      return CapsPtr(gst_caps_new_simple("audio/x-mulaw", "rate", G_TYPE_INT, rate, "channels", G_TYPE_INT, channels,
                                         nullptr));
    default: return {};
  }
}

CapsPtr length_prefixed_caps_for(const fifo::TrackInfo& t) {
  if (t.codec != fifo::Codec::h264 && t.codec != fifo::Codec::h265) return {};
  const auto record = media::mp4_sample::decoder_config_record(t);
  if (!record) return {};
  GstBuffer* codec_data = gst_buffer_new_memdup(record->data(), record->size());
  // hvc1 is the one length-prefixed form rtph265pay takes (1.22); parameter sets in band still go out as they come.
  CapsPtr caps(t.codec == fifo::Codec::h264
                   ? gst_caps_new_simple("video/x-h264", "stream-format", G_TYPE_STRING, "avc", "alignment",
                                         G_TYPE_STRING, "au", "codec_data", GST_TYPE_BUFFER, codec_data, nullptr)
                   : gst_caps_new_simple("video/x-h265", "stream-format", G_TYPE_STRING, "hvc1", "alignment",
                                         G_TYPE_STRING, "au", "codec_data", GST_TYPE_BUFFER, codec_data, nullptr));
  gst_buffer_unref(codec_data);
  return caps;
}

std::vector<TrackElements> add_track_elements(GstBin* bin, const fifo::StreamInfo& info,
                                              const std::set<uint32_t>& live) {
  std::vector<TrackElements> out;
  for (const auto& t : info.tracks) {
    if (!servable(t) || live.count(t.track_id) == 0) continue;
    const auto n = std::to_string(out.size());
    GstElement* src = make("appsrc", "src" + n);
    GstElement* pay = nullptr;
    try {
      pay = make(payloader_for(t.codec), "pay" + n);
    } catch (...) {
      gst_object_unref(src);
      throw;
    }
    // Live, timestamped by us from the ring's pts/dts; never blocking: ClientFeed watches the queue's level
    // itself and drops to the next keyframe instead (docs/serving.md, "Slow clients").
    CapsPtr caps = length_prefixed_caps_for(t);
    const bool length_prefixed = caps != nullptr;
    if (!caps) caps = caps_for(t);
    g_object_set(src, "is-live", TRUE, "format", GST_FORMAT_TIME, "do-timestamp", FALSE, "block", FALSE,
                 "stream-type", GST_APP_STREAM_TYPE_STREAM, "max-bytes", G_GUINT64_CONSTANT(0), "caps", caps.get(),
                 nullptr);
    // Dynamic payload types for what needs an rtpmap; G.711 keeps its static one (PCMU 0, PCMA 8).
    if (t.codec == fifo::Codec::h264 || t.codec == fifo::Codec::h265 || t.codec == fifo::Codec::aac)
      g_object_set(pay, "pt", 96 + static_cast<int>(out.size()), nullptr);
    // Parameter sets before every IDR/IRAP picture: a client that loses packets recovers at the next one.
    if (t.codec == fifo::Codec::h264 || t.codec == fifo::Codec::h265) g_object_set(pay, "config-interval", -1, nullptr);
    gst_bin_add_many(bin, src, pay, nullptr);
    if (!gst_element_link(src, pay))
      throw ServeError(ServeErrc::gstreamer, std::string("cannot link appsrc to ") + payloader_for(t.codec));
    out.push_back({t.track_id, src, length_prefixed});
  }
  return out;
}

}  // namespace zc::serve
