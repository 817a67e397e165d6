// One client's feed: it takes the frames its ring's fanout (RingFanout) reads for every client, starting with
// the GOP of the ring's newest keyframe, and puts each into the client's appsrcs in a buffer that shares the
// frame's memory, with timestamps rebased to the client's start. It never waits on the client: when a client's
// queue is full, frames are dropped up to the next keyframe that fits (counted, and reported once the client
// resumes), so a stopped client holds up neither the ring nor other clients. A client that sent PLAY and then
// takes nothing from its queue for the mount's stall timeout is disconnected.
#pragma once

#include "ring_fanout.h"
#include "ring_mount.h"
#include "track_pipeline.h"

#include <zc/fifo/frame.h>

#include <gst/app/gstappsrc.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace zc::serve {

class ClientFeed {
 public:
  // `info` is the ring's stream info the tracks were made from. Installs the appsrc callbacks and joins the
  // mount's fanout, which sends nothing before every appsrc runs (asks for data): ready().
  // `owner` is the RTSP connection whose media this is (RingMount::admit).
  ClientFeed(std::shared_ptr<RingMount> mount, uint64_t client, const void* owner, const fifo::StreamInfo& info,
             const std::vector<TrackElements>& tracks);
  ~ClientFeed();  // leaves the fanout, gives the client's place back, reports its totals

  // The client's PLAY and PAUSE requests were answered (GstRTSPClient's play-request / pause-request; any thread).
  // The client is `playing` from its PLAY on (its media had its first frame since DESCRIBE), and only a playing
  // client can stall.
  void play();
  void pause();
  // A session took the client's media (GstRTSPClient's setup-request; any thread, idempotent): RingMount::claim.
  void claimed();
  ClientFeed(const ClientFeed&) = delete;
  ClientFeed& operator=(const ClientFeed&) = delete;

  // Called by the fanout thread only.
  // Every appsrc of the client asked for data once: a frame pushed now is not flushed away.
  bool ready();
  // A frame for the client; `replayed`: from the GOP kept for joining clients, not just read (a loss before it
  // is none of this client's). False: the client's media ended (its tracks changed codec).
  bool deliver(const SharedFrame& frame, bool replayed);
  // After each turn of the fanout (a frame or a 500 ms wait): a client that never played, or that waits for a
  // keyframe after drops, is looked at for a stall.
  void tick();
  // Ends the client's media (EOS on its appsrcs) and reports why.
  void end(const std::string& why);

 private:
  struct Out {
    uint32_t track_id = 0;
    fifo::TrackInfo info;
    GstAppSrc* src = nullptr;  // our own reference
    bool length_prefixed = false;  // TrackElements::length_prefixed
    bool running = false;      // the appsrc asked for data once: pushes are no longer flushed away
    bool send_config = true;   // put the track's parameter sets in front of its next keyframe
    int64_t last_dts_ns = -1;
  };

  static void need_data(GstAppSrc* src, guint length, gpointer self);
  bool accept_info(const fifo::StreamInfo& info);
  Out* find(uint32_t track_id);
  void drop(uint64_t frames);
  void report_playing_if_due();
  // Fanout thread, while frames are dropped or before a PLAY: true once a playing client has taken nothing from its
  // queue for the stall timeout, or a client sent no PLAY within it; its connection is then to be closed.
  bool stalled();
  bool ever_played() {
    std::lock_guard lock(mu_);
    return ever_played_;
  }
  void check_stall();  // stalled: asks the server to close the connection (once) and reports it

  const std::shared_ptr<RingMount> mount_;
  const uint64_t client_;
  const void* const owner_;
  std::vector<Out> outs_;
  uint32_t key_track_ = 0;  // the track whose keyframes a client (re)starts at: the first video track, else the first

  std::mutex mu_;
  bool played_ = false;    // PLAY answered, no PAUSE since
  bool ever_played_ = false;  // a PLAY came once (a paused client is not one that never plays)
  int64_t play_ns_ = 0;    // the mount's clock (ServeOptions::clock) at the last PLAY
  int64_t created_ns_ = 0;  // the mount's clock when the client's media was made (its DESCRIBE or SETUP)
  bool reported_ = false;  // the playing event was emitted (and counted by the mount)
  struct First {
    uint64_t seq = 0;
    int64_t mono_ns = 0;
  };
  std::optional<First> first_;  // the first frame handed to the media

  // Fanout thread only.
  std::optional<int64_t> origin_ns_;  // ring time (ns) that the client's timeline starts from
  bool waiting_for_key_ = false;
  bool discont_ = false;
  uint64_t gap_frames_ = 0;
  int64_t progress_ns_ = 0;      // when the client last took bytes from its queue, or was given a frame
  uint64_t last_level_ = UINT64_MAX;  // its queued bytes when last looked at
  bool close_requested_ = false;
  bool never_played_ = false;  // stalled() found a client that sent no PLAY within the stall timeout
  std::atomic<uint64_t> frames_sent_{0}, bytes_sent_{0}, frames_dropped_{0};  // from the client's PLAY on
  std::atomic<bool> claimed_{false};
  bool first_pushed_ = false;  // fanout thread: the media's first frame went in (the DESCRIBE's preroll)
};

}  // namespace zc::serve
