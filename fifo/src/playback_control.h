// The playback fifo's control channel in shared memory (layout::ControlBlock), used by both sides.
//
// Requests: only the single reader stores the request fields; it writes command and arg, then publishes them by
// bumping request_generation (release). The writer reads generation, fields, generation again (seqlock) and
// retries if they disagree. Requests do not queue: a newer one replaces an unacknowledged older one.
// Acknowledgements: only the writer stores them; ack_seq (the seq of the first frame written after applying the
// request) before ack_generation (release). A reader that loads ack_generation >= its newest request drops every
// frame whose seq < ack_seq: those were sent before its request was applied.
#pragma once

#include "layout.h"

#include <zc/fifo/playback_fifo.h>

#include <chrono>
#include <optional>

namespace zc::fifo::playback_control {

inline constexpr auto kLivenessSlice = std::chrono::milliseconds(50);

inline std::optional<ControlRequest> pending(const layout::ControlBlock& c) {
  for (;;) {
    const uint64_t g1 = c.request_generation.load(std::memory_order_acquire);
    if (g1 == c.ack_generation.load(std::memory_order_relaxed)) return std::nullopt;
    ControlRequest r;
    r.generation = g1;
    r.command = static_cast<ControlCommand>(c.command.load(std::memory_order_relaxed));
    r.arg = c.arg_i64.load(std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (c.request_generation.load(std::memory_order_relaxed) == g1) return r;
  }
}

inline void acknowledge(layout::ControlBlock& c, uint64_t generation, uint64_t first_seq) {
  c.ack_seq.store(first_seq, std::memory_order_relaxed);
  c.ack_generation.store(generation, std::memory_order_release);
}

// Publishes a request and returns its generation.
inline uint64_t publish(layout::ControlBlock& c, ControlCommand command, int64_t arg) {
  c.command.store(static_cast<uint32_t>(command), std::memory_order_relaxed);
  c.arg_i64.store(arg, std::memory_order_relaxed);
  const uint64_t g = c.request_generation.load(std::memory_order_relaxed) + 1;
  c.request_generation.store(g, std::memory_order_release);
  return g;
}

// The first seq sent under generation >= `wanted`, or nullopt while the writer has not applied it yet.
inline std::optional<uint64_t> first_seq_after(const layout::ControlBlock& c, uint64_t wanted) {
  for (;;) {
    const uint64_t g1 = c.ack_generation.load(std::memory_order_acquire);
    if (g1 < wanted) return std::nullopt;
    const uint64_t s = c.ack_seq.load(std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (c.ack_generation.load(std::memory_order_relaxed) == g1) return s;
  }
}

}  // namespace zc::fifo::playback_control
