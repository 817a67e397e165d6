#include "ring_fanout.h"

#include "client_feed.h"
#include "ring_mount.h"

#include <zc/fifo/ring_reader.h>
#include <zc/media/mp4_sample.h>

#include <algorithm>
#include <exception>

namespace zc::serve {
namespace {

using namespace std::chrono_literals;

// The first video track's keyframes are where a client starts; a ring without video starts anywhere (every
// audio frame is a keyframe).
uint32_t key_track_of(const fifo::StreamInfo& info) {
  if (const auto* v = info.first_of(fifo::MediaKind::video)) return v->track_id;
  return info.tracks.empty() ? 0 : info.tracks.front().track_id;
}

// A buffer whose one read-only memory owns `bytes` (moved to the heap, freed with the last buffer sharing it);
// `view` is set to them.
GstBuffer* wrap(std::vector<uint8_t>&& bytes, std::span<const uint8_t>& view) {
  if (bytes.empty()) return gst_buffer_new();
  auto* owned = new std::vector<uint8_t>(std::move(bytes));
  view = std::span<const uint8_t>(owned->data(), owned->size());
  return gst_buffer_new_wrapped_full(GST_MEMORY_FLAG_READONLY, owned->data(), owned->size(), 0, owned->size(), owned,
                                     [](gpointer p) { delete static_cast<std::vector<uint8_t>*>(p); });
}

}  // namespace

SharedFrame::SharedFrame(fifo::Frame&& frame, std::shared_ptr<const fifo::StreamInfo> info)
    : header_(frame.header), info_(std::move(info)) {
  const auto* track = info_->find(header_.track);
  if (track && !frame.payload.empty() &&
      (track->codec == fifo::Codec::h264 || track->codec == fifo::Codec::h265)) {
    std::vector<uint8_t> converted;
    media::mp4_sample::from_annexb(std::as_bytes(std::span<const uint8_t>(frame.payload)), converted);
    length_prefixed_buffer_ = wrap(std::move(converted), length_prefixed_bytes_);
  }
  buffer_ = wrap(std::move(frame.payload), bytes_);
}

SharedFrame::~SharedFrame() {
  gst_buffer_unref(buffer_);
  if (length_prefixed_buffer_) gst_buffer_unref(length_prefixed_buffer_);
}

RingFanout::~RingFanout() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  wake_->raise();
  if (thread_.joinable()) thread_.join();
}

void RingFanout::add(ClientFeed* feed) {
  std::lock_guard life(life_mu_);
  std::lock_guard lock(mu_);
  clients_.push_back(Client{feed});
  if (!thread_.joinable()) {
    stop_ = false;
    thread_ = std::thread([this] { run(); });
  }
}

void RingFanout::remove(ClientFeed* feed) {
  std::lock_guard life(life_mu_);
  std::thread done;
  {
    std::lock_guard lock(mu_);  // the thread is not inside any feed while we hold this
    std::erase_if(clients_, [feed](const Client& c) { return c.feed == feed; });
    if (!clients_.empty()) return;
    stop_ = true;
    done = std::move(thread_);
  }
  cv_.notify_all();
  wake_->raise();
  if (done.joinable()) done.join();
}

void RingFanout::wake() const noexcept { wake_->raise(); }

bool RingFanout::wait_for_stop(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, d, [this] { return stop_; });
}

void RingFanout::end_all(const std::string& why) {
  for (auto& c : clients_)
    if (!c.ended) {
      c.feed->end(why);
      c.ended = true;
    }
}

void RingFanout::run() {
  for (;;) {
    try {
      fifo::ReaderOptions ro;
      ro.start = fifo::StartAt::newest_keyframe;
      ro.on_lapped = fifo::OnLapped::newest_keyframe;  // clients that fell behind catch up with live
      ro.interrupt = wake_;
      auto reader = fifo::RingReader::open(mount_.ring(), ro);
      follow(reader);
      return;
    } catch (const std::exception& e) {
      // The ring cannot be followed (gone, recreated with every reader slot taken): the medias of the clients
      // it has end; clients that come later get a reader opened again.
      {
        std::lock_guard lock(mu_);
        end_all(e.what());
      }
      gop_.clear();
      gop_whole_ = false;
      if (wait_for_stop(1s)) return;
    }
  }
}

void RingFanout::follow(fifo::RingReader& reader) {
  auto info = std::make_shared<const fifo::StreamInfo>(reader.stream_info());
  key_track_ = key_track_of(*info);
  gop_.clear();
  gop_whole_ = false;
  fifo::Frame f;
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stop_) return;
      if (mount_.retired()) end_all("the ring is no longer served");
      start_ready_clients();
    }
    const auto st = reader.read(f, 500ms);
    std::shared_ptr<const SharedFrame> frame;
    if (st == fifo::WaitStatus::ready) {
      if (f.header.info_changed) {
        info = std::make_shared<const fifo::StreamInfo>(reader.stream_info());
        key_track_ = key_track_of(*info);
      }
      frame = std::make_shared<const SharedFrame>(std::move(f), info);
      f = fifo::Frame{};
    }
    {
      std::lock_guard lock(mu_);
      for (auto& c : clients_) {
        if (c.ended || !c.live) continue;
        if (frame && !c.feed->deliver(*frame, false)) {
          c.ended = true;
          continue;
        }
        c.feed->tick();
      }
    }
    if (frame) keep(frame);
    if (st == fifo::WaitStatus::writer_gone || st == fifo::WaitStatus::end_of_stream) {
      // Nothing to send until a writer comes back (the reader follows a recreated ring by itself).
      if (wait_for_stop(250ms)) return;
    }
  }
}

void RingFanout::start_ready_clients() {
  for (auto& c : clients_) {
    if (c.live || c.ended || !c.feed->ready()) continue;
    c.live = true;
    // A frame pushed before the client's appsrc runs would be flushed away (its first frame a delta frame):
    // so the GOP goes in only now. Without a whole GOP the client starts at the next keyframe.
    if (gop_whole_)
      for (const auto& frame : gop_)
        if (!c.feed->deliver(*frame, true)) {
          c.ended = true;
          break;
        }
  }
}

void RingFanout::keep(const std::shared_ptr<const SharedFrame>& frame) {
  const auto& h = frame->header();
  if (h.lost_before > 0) gop_whole_ = false;  // the reader resumes at a keyframe
  if (h.track == key_track_ && h.is_key()) {
    gop_.clear();
    gop_bytes_ = 0;
    gop_whole_ = true;
  }
  if (!gop_whole_) return;
  if (gop_bytes_ + frame->bytes().size() > mount_.queue_bytes()) {
    gop_.clear();  // no client could take it whole
    gop_whole_ = false;
    return;
  }
  gop_bytes_ += frame->bytes().size();
  gop_.push_back(frame);
}

}  // namespace zc::serve
