// RTP/RTCP packets as they come off a socket (zc/ingest/rtp.h), the UDP reorder buffer and the G.711
// depacketizer. Contract: a parsed packet's payload lies inside the input; the reorder buffer hands out each
// sequence number at most once, in increasing order (modulo 2^16, from the first one); G.711 makes one access
// unit per non-empty payload.
#include <zc/ingest/depacketizer.h>
#include <zc/ingest/reorder_buffer.h>
#include <zc/ingest/rtp.h>

#include "fuzz_check.h"

using namespace zc::ingest;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  zc::fuzz::Bytes in(data, size);
  ReorderBuffer reorder;
  SequenceTracker tracker;
  TimestampUnwrapper unwrap;
  SdpMedia m;
  m.encoding = "PCMU";
  m.payload_type = 0;
  auto g711 = make_depacketizer(m);
  std::vector<AccessUnit> out;
  size_t payloads = 0;
  bool have_last = false;
  uint16_t last = 0;
  while (!in.empty()) {
    const size_t length = in.take<uint8_t>();
    const auto bytes = in.take_bytes(length);
    if (const auto sr = parse_sender_report(bytes)) (void)unwrap.peek(sr->rtp_timestamp);
    const auto p = parse_rtp(bytes);
    if (!p) continue;
    ZC_FUZZ_CHECK(p->payload.data() >= bytes.data() && p->payload.data() + p->payload.size() <= bytes.data() + bytes.size());
    reorder.push(p->sequence, bytes, [&](std::span<const uint8_t> ordered) {
      const auto q = parse_rtp(ordered);
      ZC_FUZZ_CHECK(q.has_value());
      if (have_last) ZC_FUZZ_CHECK(static_cast<int16_t>(static_cast<uint16_t>(q->sequence - last)) > 0);
      have_last = true;
      last = q->sequence;
      const auto step = tracker.next(q->sequence);
      ZC_FUZZ_CHECK(!step.stale);
      (void)unwrap.unwrap(q->timestamp);
      if (!q->payload.empty()) ++payloads;
      g711->push(*q, 0, out);
    });
  }
  ZC_FUZZ_CHECK(out.size() == payloads);
  return 0;
}
