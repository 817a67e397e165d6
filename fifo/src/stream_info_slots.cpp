#include "stream_info_slots.h"

#include "racy_copy.h"

#include <zc/fifo/error.h>

#include <memory>

namespace zc::fifo {

void validate_stream_info(const StreamInfo& info) {
  if (info.tracks.empty()) throw FifoError(FifoErrc::invalid_argument, "stream info has no tracks");
  if (info.tracks.size() > layout::kMaxTracks)
    throw FifoError(FifoErrc::invalid_argument,
                    "stream info has " + std::to_string(info.tracks.size()) + " tracks; at most " +
                        std::to_string(layout::kMaxTracks) + " are supported");
  for (size_t i = 0; i < info.tracks.size(); ++i) {
    const auto& t = info.tracks[i];
    for (size_t j = 0; j < i; ++j)
      if (info.tracks[j].track_id == t.track_id)
        throw FifoError(FifoErrc::invalid_argument, "track id " + std::to_string(t.track_id) + " is used twice");
    if (t.config.size() > layout::kMaxConfigBytes)
      throw FifoError(FifoErrc::invalid_argument, "codec configuration of track " + std::to_string(t.track_id) +
                                                      " is " + std::to_string(t.config.size()) + " bytes; at most " +
                                                      std::to_string(layout::kMaxConfigBytes) + " fit");
    if (t.time_base.num <= 0 || t.time_base.den <= 0)
      throw FifoError(FifoErrc::invalid_argument, "track " + std::to_string(t.track_id) + " has no time base");
  }
}

void store_stream_info(layout::InfoSlot* slots, uint64_t generation, const StreamInfo& info) {
  validate_stream_info(info);
  auto tmp = std::make_unique<layout::InfoSlot>();  // ~32 KiB: not on the stack
  tmp->track_count = static_cast<uint32_t>(info.tracks.size());
  for (size_t i = 0; i < info.tracks.size(); ++i) {
    const auto& t = info.tracks[i];
    auto& r = tmp->tracks[i];
    r.track_id = t.track_id;
    r.media_kind = static_cast<uint32_t>(t.kind);
    r.codec = static_cast<uint32_t>(t.codec);
    r.time_base_num = t.time_base.num;
    r.time_base_den = t.time_base.den;
    r.width = t.width;
    r.height = t.height;
    r.sample_rate = t.sample_rate;
    r.channels = t.channels;
    r.bits_per_sample = t.bits_per_sample;
    r.config_bytes = static_cast<uint32_t>(t.config.size());
    if (!t.config.empty()) std::memcpy(r.config, t.config.data(), t.config.size());
  }
  auto& slot = slots[generation % layout::kInfoSlots];
  slot.gen_begin.store(generation, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  racy_store(&slot.track_count, &tmp->track_count,
             sizeof(layout::InfoSlot) - offsetof(layout::InfoSlot, track_count));
  slot.gen_end.store(generation, std::memory_order_release);
}

std::optional<StreamInfo> load_stream_info(const layout::InfoSlot* slots, uint64_t generation) {
  if (generation == 0) return std::nullopt;
  const auto& slot = slots[generation % layout::kInfoSlots];
  if (slot.gen_end.load(std::memory_order_acquire) != generation) return std::nullopt;
  auto tmp = std::make_unique<layout::InfoSlot>();
  racy_copy(&tmp->track_count, &slot.track_count,
            sizeof(layout::InfoSlot) - offsetof(layout::InfoSlot, track_count));
  std::atomic_thread_fence(std::memory_order_acquire);
  if (slot.gen_begin.load(std::memory_order_relaxed) != generation) return std::nullopt;

  StreamInfo info;
  info.generation = generation;
  const uint32_t count = tmp->track_count <= layout::kMaxTracks ? tmp->track_count : 0;
  for (uint32_t i = 0; i < count; ++i) {
    const auto& r = tmp->tracks[i];
    TrackInfo t;
    t.track_id = r.track_id;
    t.kind = static_cast<MediaKind>(r.media_kind);
    t.codec = static_cast<Codec>(r.codec);
    t.time_base = {r.time_base_num, r.time_base_den};
    t.width = r.width;
    t.height = r.height;
    t.sample_rate = r.sample_rate;
    t.channels = r.channels;
    t.bits_per_sample = r.bits_per_sample;
    const uint32_t n = r.config_bytes <= layout::kMaxConfigBytes ? r.config_bytes : 0;
    t.config.assign(r.config, r.config + n);
    info.tracks.push_back(std::move(t));
  }
  return info;
}

}  // namespace zc::fifo
