// An RTSP server over live rings (docs/serving.md): rtsp://ADDRESS:PORT/<ring> for each ring it is given, built on
// gst-rtsp-server. Every client gets a media of its own whose reader starts at the ring's newest keyframe, so the
// first frame a client receives is always a keyframe; a client that cannot keep up loses frames up to the next
// keyframe that fits its queue, never holding up the ring or anyone else. A mount marked `push` also accepts one
// encoder at a time that pushes into its ring (RTSP ANNOUNCE/RECORD; docs/serving.md, "Streams pushed in").
// GStreamer stays out of this header.
#pragma once

#include <zc/fifo/clock.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace zc::serve {

// What the server tells its owner about clients, one event at a time, from its own threads (the callback must be
// thread-safe and quick). Never carries credentials.
struct ClientEvent {
  enum class Kind {
    playing,   // the client sent PLAY and its media has its first frame, always a keyframe (first_seq; first_frame_age:
               // how long before this event it was written into the ring). Once per client: a client that only
               // DESCRIBEs never plays, although its media already holds that keyframe

    behind,    // the client fell behind (its queue is full, or the ring lapped its reader): frames are dropped
               // from here up to the next keyframe that fits its queue
    resumed,   // the client is sent frames again from a keyframe: `frames` were dropped in the gap
    left,      // the client's media ended: totals in frames_sent, bytes_sent, frames_dropped
    refused,   // a client was turned away: `reason` says why (no such ring, every client place taken)
    ended,     // the client's media ended (RTCP BYE) and it must reconnect: `reason` says why (the ring's codecs
               // changed, the ring is no longer served, the ring cannot be followed), or the client took nothing
               // for ServeOptions::client_stall_timeout while playing and its connection was closed
    // Pushes (a client that sends with ANNOUNCE/RECORD; `client` is its number as for players):
    push_started,  // its first frame was written into the ring: `reason` describes its tracks
    push_ended,    // it left (TEARDOWN, closed connection, session timeout): frames_sent counts the frames it
                   // wrote, bytes_sent their bytes, frames_dropped the ones not written (lost packets, waiting for a
                   // keyframe); `reason` says how it ended. The next pusher continues the ring after a discontinuity.
  };
  Kind kind = Kind::playing;
  uint64_t client = 0;  // a number unique within this server (0 for refusals before a media exists)
  std::string ring;
  uint64_t first_seq = 0;                     // playing: the ring sequence number of the first frame sent
  std::chrono::milliseconds first_frame_age{};  // playing: how long ago that keyframe was written into the ring
  uint64_t frames = 0;                        // resumed: frames dropped in this gap
  uint64_t frames_sent = 0, bytes_sent = 0, frames_dropped = 0;
  std::string reason;
};

struct ServeOptions {
  std::string address = "127.0.0.1";  // an IPv4/IPv6 address to listen on ("0.0.0.0" for every interface)
  uint16_t port = 8554;               // 0: any free port (RtspServer::port() tells which)
  std::vector<std::string> rings;     // each served at /<ring>; the ring need not exist yet (none: a server that
                                      // answers 404 until set_mounts() gives it something to serve)
  // Rings served under another path: /<path> (zcrecd serves a camera by its name, not its ring's prefixed name).
  struct Mount {
    std::string path;  // without the leading '/'; the rules of a ring name
    std::string ring;
    // Also accept a push into the ring at this path (ANNOUNCE/RECORD: H.264, H.265, AAC, PCMA/PCMU), one pusher at
    // a time; the server is then the ring's writer from the first push until the mount is removed. Players are
    // served as on any mount.
    bool push = false;
    uint64_t push_ring_bytes = 64ULL << 20;  // the data area of the ring when a push has to create it
    bool operator==(const Mount&) const = default;
  };
  std::vector<Mount> mounts;
  unsigned max_clients = 16;          // clients per ring at once; the next one is answered 503
  // Both set: every request must carry them (Basic or Digest), otherwise 401 — also for a path that does not
  // exist, so that names cannot be probed. Both empty: no authentication.
  std::string user, password;
  // Reader slots of each ring no client takes: they stay for the ring's other readers (a recorder, a live view).
  // A client is answered 503 when taking a slot would leave fewer free.
  unsigned reserved_reader_slots = 4;
  // The largest request body accepted (an ANNOUNCE's SDP is a few hundred bytes); a larger Content-Length closes
  // the connection before the body is read into memory.
  unsigned max_request_body_bytes = 64u << 10;
  // Bytes a client's media may hold waiting to be sent; a frame that would exceed it is dropped, and so is
  // everything up to the next keyframe that fits (a stopped client costs the server at most this much per track).
  uint64_t client_queue_bytes = 4u << 20;
  // A playing client that takes nothing from its queue for this long (it stopped reading: a hung player, a dead
  // link that TCP has not noticed yet) is disconnected: its connection is closed, its place is
  // freed. A paused client (RTSP PAUSE) is never stalled. 0: never.
  std::chrono::milliseconds client_stall_timeout{10'000};
  // The largest RTP packet (header included) sent to a client that takes RTP interleaved in its RTSP connection
  // (TCP), from 1400 to 65535 bytes. Large: a 17 KB picture goes out as one packet instead of ~12, which cut the
  // server's CPU per client by 18-39 % in `zcrec bench rtsp` (docs/benchmarks.md, "Serving a ring over RTSP"); ffmpeg, GStreamer's
  // rtspsrc and live555 (VLC) read packets up to 64 KiB. 1400 for a client that cannot. UDP clients always get
  // packets that fit an Ethernet frame (1400 bytes).
  unsigned tcp_packet_bytes = 60'000;
  std::function<void(const ClientEvent&)> on_event;
  // Required: the clock a client's stall, its first frame's age and a pusher's track alignment are timed on
  // (zc/fifo/clock.h: the owner's one clock). Shared, because a client's feed may end after the server is gone.
  std::shared_ptr<const fifo::Clock> clock;
};

// Per-ring counters since the server started.
struct RingServeStats {
  std::string ring;
  unsigned clients = 0;         // clients playing now (they sent PLAY; their media is alive)
  uint64_t clients_total = 0;   // clients that played
  uint64_t clients_refused = 0;
  unsigned places = 0;          // client places taken now (bounded by max_clients): also medias only DESCRIBEd
  uint64_t frames_sent = 0, bytes_sent = 0, frames_dropped = 0;
  // A push mount only:
  bool push = false;        // the mount accepts pushes
  bool pushing = false;     // a pusher is writing (or has announced and not yet left)
  uint64_t pushes = 0, pushes_refused = 0;  // pushes accepted, refused (busy, bad SDP, no codec, ring busy)
  uint64_t frames_in = 0, bytes_in = 0, frames_in_dropped = 0;  // written into the ring by pushers; not written
};

class RtspServer {
 public:
  // Binds and starts serving on a thread of its own. Throws ServeError: invalid_argument (also without a clock), address_in_use,
  // listen_failed, missing_plugin, gstreamer.
  explicit RtspServer(ServeOptions options);
  ~RtspServer();  // disconnects every client and stops
  RtspServer(const RtspServer&) = delete;
  RtspServer& operator=(const RtspServer&) = delete;

  uint16_t port() const noexcept;  // the port bound (useful with ServeOptions::port 0)
  // Serves exactly `mounts` from now on, without a restart: a mount kept (same path, ring and push settings) keeps
  // its clients, its pusher and its counters; a new one is served at once; a removed one answers 404 and its clients' medias end (RTCP BYE)
  // within half a second (a removed push mount stops writing at once: its pusher's frames are dropped until it
  // leaves, and the ring's writer is closed).
  // ServeOptions::rings given at construction count as mounts here too. Thread-safe.
  // Throws ServeError(invalid_argument) for a bad name or a path named twice, changing nothing.
  void set_mounts(std::vector<ServeOptions::Mount> mounts);
  // rtsp://ADDRESS:PORT/<path> of a ring (its own name, or the path it was mounted under)
  std::string url(const std::string& ring) const;
  std::vector<RingServeStats> stats() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace zc::serve
