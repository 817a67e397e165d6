#include "source_block.h"

#include "racy_copy.h"

#include <algorithm>
#include <cstring>

namespace zc::fifo {

std::string_view to_string(SourceState s) noexcept {
  switch (s) {
    case SourceState::unknown: return "unknown";
    case SourceState::connecting: return "connecting";
    case SourceState::streaming: return "streaming";
    case SourceState::waiting_to_retry: return "waiting_to_retry";
    case SourceState::ended: return "ended";
  }
  return "unknown";
}

std::string_view to_string(ClockSource c) noexcept {
  switch (c) {
    case ClockSource::unknown: return "unknown";
    case ClockSource::arrival: return "arrival";
    case ClockSource::sender_report: return "sender_report";
    case ClockSource::arrival_camera_clock_off: return "arrival_camera_clock_off";
  }
  return "unknown";
}

namespace source_block {
namespace {

void put_text(char (&field)[256], const std::string& text) {
  const size_t n = std::min(text.size(), SourceStatus::kMaxText);
  std::memcpy(field, text.data(), n);
  std::memset(field + n, 0, sizeof field - n);
}

std::string get_text(const char (&field)[256]) { return std::string(field, strnlen(field, sizeof field)); }

}  // namespace

void publish(layout::SourceBlock& b, const SourceStatus& s) noexcept {
  layout::SourceFields f{};
  f.state = static_cast<uint32_t>(s.state);
  f.clock = static_cast<uint32_t>(s.clock);
  f.connections = s.connections;
  f.reconnects = s.reconnects;
  f.packets_lost = s.packets_lost;
  f.frames_dropped = s.frames_dropped;
  f.timestamp_jumps = s.timestamp_jumps;
  f.failed_attempts = s.failed_attempts;
  f.next_attempt_wall_ns = s.next_attempt_wall_ns;
  f.updated_wall_ns = s.updated_wall_ns;
  put_text(f.url, s.url);
  put_text(f.last_error, s.last_error);
  // Odd while writing; the release fence orders the odd value before the field stores.
  const uint64_t seq = b.sequence.load(std::memory_order_relaxed);
  b.sequence.store(seq | 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  racy_store(&b.fields, &f, sizeof f);
  b.sequence.store((seq | 1) + 1, std::memory_order_release);
}

std::optional<SourceStatus> load(const layout::SourceBlock& b) noexcept {
  for (int attempt = 0; attempt < 16; ++attempt) {
    const uint64_t before = b.sequence.load(std::memory_order_acquire);
    if (before == 0) return std::nullopt;
    if ((before & 1) != 0) continue;
    layout::SourceFields f{};
    racy_copy(&f, &b.fields, sizeof f);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (b.sequence.load(std::memory_order_relaxed) != before) continue;
    SourceStatus s;
    s.state = f.state <= static_cast<uint32_t>(SourceState::ended) ? static_cast<SourceState>(f.state)
                                                                    : SourceState::unknown;
    s.clock = f.clock <= static_cast<uint32_t>(ClockSource::arrival_camera_clock_off) ? static_cast<ClockSource>(f.clock)
                                                                           : ClockSource::unknown;
    s.connections = f.connections;
    s.reconnects = f.reconnects;
    s.packets_lost = f.packets_lost;
    s.frames_dropped = f.frames_dropped;
    s.timestamp_jumps = f.timestamp_jumps;
    s.failed_attempts = f.failed_attempts;
    s.next_attempt_wall_ns = f.next_attempt_wall_ns;
    s.updated_wall_ns = f.updated_wall_ns;
    s.url = get_text(f.url);
    s.last_error = get_text(f.last_error);
    return s;
  }
  return std::nullopt;
}

}  // namespace source_block
}  // namespace zc::fifo
