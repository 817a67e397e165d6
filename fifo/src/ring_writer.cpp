#include <zc/fifo/error.h>
#include <zc/fifo/ring_writer.h>

#include "layout.h"
#include "racy_copy.h"
#include "shm_object.h"
#include "stream_info_slots.h"
#include "source_block.h"
#include "writer_core.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cstring>

namespace zc::fifo {

struct RingWriter::Impl {
  std::string name;
  WriterCore core;
};

RingWriter::RingWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RingWriter::RingWriter(RingWriter&&) noexcept = default;
RingWriter& RingWriter::operator=(RingWriter&&) noexcept = default;
RingWriter::~RingWriter() = default;

RingWriter RingWriter::open(const std::string& name, const RingOptions& options) {
  CreateRequest req;
  req.kind = layout::Kind::live_ring;
  // Bounded before rounding: a power of two above 2^63 does not exist (rounding it up used to loop forever).
  if (options.data_bytes > layout::kMaxDataBytes)
    throw FifoError(FifoErrc::invalid_argument, "ring size " + std::to_string(options.data_bytes) +
                                                    " exceeds the maximum of 64 GiB");
  req.data_bytes = std::bit_ceil(std::max<uint64_t>(options.data_bytes, layout::kMinDataBytes));
  req.index_entries = static_cast<uint32_t>(std::min<uint64_t>(
      std::bit_ceil(std::max<uint64_t>(options.index_entries, layout::kMinIndexEntries)), uint64_t{1} << 31));
  if (req.index_entries > layout::kMaxIndexEntries)
    throw FifoError(FifoErrc::invalid_argument, "keyframe index of " + std::to_string(options.index_entries) +
                                                    " entries exceeds the maximum of 1048576");
  if (options.reader_slots == 0 || options.reader_slots > layout::kMaxReaderSlots)
    throw FifoError(FifoErrc::invalid_argument, "reader slots must be 1 to 64");
  req.reader_slots = options.reader_slots;
  req.group_access = options.group_access;
  req.force_capacity = options.force_capacity;
  auto attached = attach_as_writer(name, req);
  auto impl = std::make_unique<Impl>();
  impl->name = name;
  impl->core.attach(name, std::move(attached.object), attached.took_over);
  return RingWriter(std::move(impl));
}

void RingWriter::remove(const std::string& name) {
  require_valid_name(name);
  ::shm_unlink(shm_object_name(name).c_str());
  for (uint32_t i = 0; i < layout::kMaxReaderSlots; ++i) ::unlink(wake_fifo_path(name, i).c_str());
  ::unlink(writer_wake_fifo_path(name).c_str());
}

void RingWriter::set_stream_info(const StreamInfo& info) { impl_->core.set_stream_info(info); }
const StreamInfo& RingWriter::stream_info() const noexcept { return impl_->core.stream_info(); }

void RingWriter::write(const FrameMeta& meta, std::span<const std::byte> payload) {
  auto r = reserve(meta, payload.size());
  if (!payload.empty()) std::memcpy(r.data().data(), payload.data(), payload.size());
  r.commit();
}

void RingWriter::write(const FrameMeta& meta, const void* data, size_t bytes) {
  write(meta, std::span<const std::byte>(static_cast<const std::byte*>(data), bytes));
}

void RingWriter::end_stream() {
  FrameMeta m;
  const auto& tracks = stream_info().tracks;
  m.track = tracks.empty() ? 0 : tracks.front().track_id;
  m.flags = frame_flag::end_of_stream;
  reserve(m, 0).commit();
}

FrameReservation RingWriter::reserve(const FrameMeta& meta, size_t bytes) {
  return FrameReservation(this, impl_->core.reserve(meta, bytes));
}

FrameBuilder RingWriter::begin_frame(const FrameMeta& meta, size_t total_bytes) {
  return FrameBuilder(reserve(meta, total_bytes));
}

void RingWriter::commit_reserved() { impl_->core.commit(); }
void RingWriter::abandon_reserved() noexcept { impl_->core.abandon(); }

void RingWriter::drop_frame(size_t bytes) noexcept { impl_->core.drop_frame(bytes); }
void RingWriter::publish_source(const SourceStatus& status) noexcept {
  source_block::publish(*impl_->core.map().source, status);
}
size_t RingWriter::max_frame_bytes() const noexcept { return impl_->core.max_frame_bytes(); }
uint64_t RingWriter::data_bytes() const noexcept { return impl_->core.data_bytes(); }
bool RingWriter::took_over() const noexcept { return impl_->core.took_over(); }
bool RingWriter::has_every_frame_reader() { return impl_->core.has_every_frame_reader(); }
const std::string& RingWriter::name() const noexcept { return impl_->name; }

// --- FrameReservation / FrameBuilder ---

FrameReservation::FrameReservation(FrameReservation&& o) noexcept
    : writer_(std::exchange(o.writer_, nullptr)), data_(o.data_) {}

FrameReservation::~FrameReservation() {
  if (writer_ != nullptr) writer_->abandon_reserved();
}

void FrameReservation::commit() {
  if (writer_ == nullptr) throw FifoError(FifoErrc::invalid_argument, "frame already committed or abandoned");
  std::exchange(writer_, nullptr)->commit_reserved();
}

FrameBuilder::FrameBuilder(FrameBuilder&& o) noexcept
    : reservation_(std::move(o.reservation_)), filled_(o.filled_) {}
FrameBuilder::~FrameBuilder() = default;

FrameBuilder& FrameBuilder::append(std::span<const std::byte> piece) {
  auto dst = reservation_.data();
  if (piece.size() > dst.size() - filled_)
    throw FifoError(FifoErrc::invalid_argument, "frame pieces exceed the declared size of " +
                                                    std::to_string(dst.size()) + " bytes");
  if (!piece.empty()) std::memcpy(dst.data() + filled_, piece.data(), piece.size());
  filled_ += piece.size();
  return *this;
}

FrameBuilder& FrameBuilder::append(const void* data, size_t bytes) {
  return append(std::span<const std::byte>(static_cast<const std::byte*>(data), bytes));
}

void FrameBuilder::commit() {
  if (filled_ != reservation_.data().size())
    throw FifoError(FifoErrc::invalid_argument, "frame pieces add up to " + std::to_string(filled_) +
                                                    " bytes but " + std::to_string(reservation_.data().size()) +
                                                    " were declared");
  reservation_.commit();
}

}  // namespace zc::fifo
