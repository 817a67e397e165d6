// One ring reader per served ring, whatever the number of its clients: a thread reads each frame once, wraps its
// payload in one GstBuffer, and hands it to every client's feed (ClientFeed::deliver), which shares that memory
// in its own buffer with its own timestamps. Per client-frame that leaves one thread wakeup (the client's appsrc)
// where a reader per client cost two, a doorbell poll and two copies of the payload (docs/serving.md, "One
// reader per ring").
//
// A client starts at the ring's newest keyframe: the fanout keeps the frames since the newest keyframe of the
// ring's first video track (its GOP, as shared buffers: no copy) and replays them to a client whose media runs,
// then hands it live frames. The GOP kept is bounded by a client's queue (RingMount::queue_bytes): past that
// a client would drop it anyway, and a joining client starts at the next keyframe instead.
//
// The reader is open only while the ring has clients: the first client starts the thread, the last one stops it.
#pragma once

#include <zc/fifo/frame.h>
#include <zc/fifo/ring_reader.h>
#include <zc/fifo/wake_signal.h>

#include <gst/gst.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

namespace zc::serve {

class ClientFeed;
class RingMount;

// A frame read once for all clients. Its payload is owned by buffer() (read-only memory), so a client's buffer
// made with gst_buffer_copy_region shares it and stays valid after the frame is gone. An H.264/H.265 frame also
// comes length-prefixed (4-byte NAL lengths, as clients' payloaders take it: track_pipeline.h), converted once.
class SharedFrame {
 public:
  // Takes the frame's payload; `info` is the ring's stream info in force for it.
  SharedFrame(fifo::Frame&& frame, std::shared_ptr<const fifo::StreamInfo> info);
  ~SharedFrame();
  SharedFrame(const SharedFrame&) = delete;
  SharedFrame& operator=(const SharedFrame&) = delete;

  const fifo::FrameHeader& header() const noexcept { return header_; }
  std::span<const uint8_t> bytes() const noexcept { return bytes_; }  // as the ring has it (Annex-B video)
  GstBuffer* buffer() const noexcept { return buffer_; }
  // Null (and empty) unless the frame is H.264/H.265.
  std::span<const uint8_t> length_prefixed() const noexcept { return length_prefixed_bytes_; }
  GstBuffer* length_prefixed_buffer() const noexcept { return length_prefixed_buffer_; }
  const fifo::StreamInfo& info() const noexcept { return *info_; }

 private:
  fifo::FrameHeader header_;
  std::span<const uint8_t> bytes_, length_prefixed_bytes_;
  GstBuffer* buffer_ = nullptr;
  GstBuffer* length_prefixed_buffer_ = nullptr;
  std::shared_ptr<const fifo::StreamInfo> info_;
};

class RingFanout {
 public:
  explicit RingFanout(RingMount& mount) : mount_(mount) {}
  ~RingFanout();  // joins the thread (there is none once every client has been removed)
  RingFanout(const RingFanout&) = delete;
  RingFanout& operator=(const RingFanout&) = delete;

  // A client's feed joins; the first one starts the reader thread. The feed gets frames once ready() says its
  // media runs (it calls wake() when that changes).
  void add(ClientFeed* feed);
  // After this returns the thread never calls `feed` again. The last one stops the thread and closes the reader.
  // Never called from the fanout thread.
  void remove(ClientFeed* feed);
  // A client's media started to run: its GOP replay is due now, not at the next frame.
  void wake() const noexcept;

 private:
  struct Client {
    ClientFeed* feed = nullptr;
    bool live = false;   // replayed the GOP; gets every frame from now on
    bool ended = false;  // its media was ended (codec change, retired ring, unreadable ring): nothing more
  };

  void run();
  void follow(fifo::RingReader& reader);  // until stop_ (or an exception)
  void start_ready_clients();             // mu_ held
  void keep(const std::shared_ptr<const SharedFrame>& frame);
  void end_all(const std::string& why);  // mu_ held
  bool wait_for_stop(std::chrono::milliseconds d);

  RingMount& mount_;
  std::mutex life_mu_;  // add/remove: a stop and its join, and the next start, happen one after the other
  std::mutex mu_;       // clients_ and stop_; held while the thread calls into feeds
  std::condition_variable cv_;
  std::vector<Client> clients_;
  bool stop_ = false;
  std::shared_ptr<fifo::WakeSignal> wake_ = std::make_shared<fifo::WakeSignal>();
  std::thread thread_;

  // The fanout thread's own.
  std::vector<std::shared_ptr<const SharedFrame>> gop_;  // from the newest keyframe of key_track_ on
  uint64_t gop_bytes_ = 0;
  bool gop_whole_ = false;  // gop_ starts at a keyframe and holds every frame since
  uint32_t key_track_ = 0;
};

}  // namespace zc::serve
