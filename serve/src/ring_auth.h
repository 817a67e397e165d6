// gst-rtsp-server's access check, extended with the server's own refusals. gst-rtsp-server asks its GstRTSPAuth
// whether a client may construct a media just before it builds one, after authentication: that is the one place
// where a refusal can still choose its status code (a media factory that fails is answered 400 Bad Request).
// Here a ring that does not exist is answered 404 and a ring whose client places are all taken 503, before any
// pipeline or reader exists. Credentials are checked by the parent class (Basic and Digest).
#pragma once

#include <gst/rtsp-server/rtsp-auth.h>

#include <string>

namespace zc::serve {

struct Credentials {
  std::string user, password;  // both empty: no authentication, everyone may watch
};

// A new auth object (full reference). The media factories must grant `role` (kViewerRole) access and construct.
// With credentials, every request is authenticated first, before its path is looked up: an unknown path answers
// 401 like a known one, so names cannot be probed without them. A client is refused (503) once its ring has no
// more than `reserved_reader_slots` free reader slots: those stay for the ring's other readers (a recorder).
GstRTSPAuth* make_ring_auth(const Credentials& credentials, unsigned reserved_reader_slots);

inline constexpr const char* kViewerRole = "viewer";

}  // namespace zc::serve
