// One client's feed: a ring reader of its own that starts at the ring's newest keyframe, and a thread that
// copies each frame into the client's appsrcs with timestamps rebased to the client's start. It never waits on
// the client: when a client's queue is full, frames are dropped up to the next keyframe that fits (counted, and
// reported once the client resumes), so a stopped client holds up neither the ring nor other clients. A client
// that sent PLAY and then takes nothing from its queue for the mount's stall timeout is disconnected.
#pragma once

#include "ring_mount.h"
#include "track_pipeline.h"

#include <zc/fifo/frame.h>
#include <zc/fifo/ring_reader.h>
#include <zc/fifo/wake_signal.h>

#include <gst/app/gstappsrc.h>

#include <atomic>
#include <cstdint>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace zc::serve {

class ClientFeed {
 public:
  // `reader` was opened with `wake` as its interrupt. Installs the appsrc callbacks; the thread starts at once and
  // waits until every appsrc runs (asks for data) before it positions the reader and sends anything.
  // `owner` is the RTSP connection whose media this is (RingMount::admit).
  ClientFeed(std::shared_ptr<RingMount> mount, uint64_t client, const void* owner, fifo::RingReader reader,
             std::shared_ptr<fifo::WakeSignal> wake, const std::vector<TrackElements>& tracks);
  ~ClientFeed();  // stops and joins the thread, gives the client's place back, reports its totals

  // The client's PLAY and PAUSE requests were answered (GstRTSPClient's play-request / pause-request; any thread).
  // The client is `playing` from its PLAY on (its media had its first frame since DESCRIBE), and only a playing
  // client can stall.
  void play();
  void pause();
  ClientFeed(const ClientFeed&) = delete;
  ClientFeed& operator=(const ClientFeed&) = delete;

 private:
  struct Out {
    uint32_t track_id = 0;
    fifo::TrackInfo info;
    GstAppSrc* src = nullptr;  // our own reference
    bool running = false;      // the appsrc asked for data once: pushes are no longer flushed away
    bool send_config = true;   // put the track's parameter sets in front of its next keyframe
    int64_t last_dts_ns = -1;
  };

  static void need_data(GstAppSrc* src, guint length, gpointer self);
  void run();
  bool wait_until_running();
  // false: the client's media must end (its tracks changed codec)
  bool handle(const fifo::Frame& f);
  bool accept_info(const fifo::StreamInfo& info);
  Out* find(uint32_t track_id);
  void drop(uint64_t frames);
  void end(const std::string& why);
  void report_playing_if_due();
  // Feed thread, while frames are dropped or before a PLAY: true once a playing client has taken nothing from its
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
  fifo::RingReader reader_;
  const std::shared_ptr<fifo::WakeSignal> wake_;
  std::vector<Out> outs_;
  uint32_t key_track_ = 0;  // the track whose keyframes a client (re)starts at: the first video track, else the first

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
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

  // Feed thread only.
  std::optional<int64_t> origin_ns_;  // ring time (ns) that the client's timeline starts from
  bool waiting_for_key_ = false;
  bool discont_ = false;
  uint64_t gap_frames_ = 0;
  int64_t progress_ns_ = 0;      // when the client last took bytes from its queue, or was given a frame
  uint64_t last_level_ = UINT64_MAX;  // its queued bytes when last looked at
  bool close_requested_ = false;
  bool never_played_ = false;  // stalled() found a client that sent no PLAY within the stall timeout
  std::atomic<uint64_t> frames_sent_{0}, bytes_sent_{0}, frames_dropped_{0};  // from the client's PLAY on
  bool first_pushed_ = false;  // feed thread: the media's first frame went in (the DESCRIBE's preroll)

  std::thread thread_;
};

}  // namespace zc::serve
