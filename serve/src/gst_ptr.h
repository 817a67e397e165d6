// Move-only owners of GLib/GStreamer references, so that every early return gives its references back.
#pragma once

#include <gst/gst.h>

#include <memory>

namespace zc::serve {

struct GObjectUnref {
  void operator()(gpointer p) const noexcept {
    if (p) g_object_unref(p);
  }
};
// T is any GObject type (GstElement, GstRTSPServer, ...).
template <class T>
using GPtr = std::unique_ptr<T, GObjectUnref>;

struct GstCapsUnref {
  void operator()(GstCaps* c) const noexcept {
    if (c) gst_caps_unref(c);
  }
};
using CapsPtr = std::unique_ptr<GstCaps, GstCapsUnref>;

struct GErrorFree {
  void operator()(GError* e) const noexcept {
    if (e) g_error_free(e);
  }
};
using ErrorPtr = std::unique_ptr<GError, GErrorFree>;

}  // namespace zc::serve
