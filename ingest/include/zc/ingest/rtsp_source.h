// A camera's RTSP stream as access units for a ring, without libavformat: DESCRIBE, SETUP of the first video and
// the first audio track zcrec carries, PLAY, then RTP over interleaved TCP (read 64 KiB at a time) or UDP (with
// a small reorder buffer), depacketized to Annex-B video / raw audio access units. The per-frame cost follows the
// bytes: no parser runs over the payload beyond NAL headers and the parameter sets. docs/ingest.md lists the
// camera quirks it handles, each with its test.
//
// One object is one connection: it never reconnects (media::LiveSource does, through make_connection_factory()).
#pragma once

#include <zc/fifo/clock.h>
#include <zc/fifo/frame.h>
#include <zc/media/live_source.h>
#include <zc/media/packet_source.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace zc::ingest {

enum class RtpTransport { tcp, udp };

struct RtspSourceOptions {
  // Required, and must outlive the source: request deadlines, keepalives, batch intervals and arrival stamps are
  // read from it (make_connection_factory() passes LiveSource's, media::SourceOptions::clock).
  const fifo::Clock* clock = nullptr;
  RtpTransport transport = RtpTransport::tcp;
  bool video = true;  // carry the first supported video track
  bool audio = true;  // carry the first supported audio track
  // Asked while a call blocks; true aborts it with IngestError(interrupted) (stop requests, read timeouts).
  std::function<bool()> interrupt;
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};  // connect, each answer, the first keyframe
  // Called once the camera has answered PLAY, before the wait for its first frames: from then on a silence is a
  // camera that answered and sends nothing, not one that does not answer (the two read differently to a user).
  std::function<void()> on_playing;
  // Asked about every fifo::kMaxBatchDelay: true while no reader needs each frame as it arrives (media::
  // SourceOptions::may_batch). The client then sleeps between reads instead of waking per picture, reads all
  // that came, and stamps each access unit's arrival back from the batch's newest by its timestamps. Unset:
  // one wakeup per picture.
  std::function<bool()> may_batch;
};

class RtspSource final : public media::PacketSource {
 public:
  // Connects and starts playing; returns once every video track's parameter sets are known (from the SDP's
  // sprop-* or the first keyframe that carries them in band). `url`: rtsp://[user[:password]@]host[:port]/path.
  // Throws IngestError; std::invalid_argument without options.clock.
  RtspSource(const std::string& url, RtspSourceOptions options);
  ~RtspSource() override;  // TEARDOWN, then close
  RtspSource(const RtspSource&) = delete;
  RtspSource& operator=(const RtspSource&) = delete;

  const fifo::StreamInfo& stream_info() const noexcept override;
  // The next access unit of any track in arrival order: pts in the track's time base (RTP timestamps unwrapped,
  // the tracks aligned at their first packets' arrival), dts made up from the pts order (B-frames),
  // capture_wall_ns from the track's last RTCP sender report (0 before one), corrupt when packets of it were
  // lost, discontinuity on the first one after a loss, capture_mono_ns its arrival on options.clock's mono_ns() (for
  // LiveSource, which turns it into the capture instant). False when the camera ended the stream. Throws
  // IngestError.
  bool read(media::MediaPacket& out) override;

  // RTP packets missing in the sequence numbers so far (all tracks).
  uint64_t packets_lost() const noexcept;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Connections for media::LiveSource: the native client for rtsp:// URLs, with the transport from
// SourceOptions::format_options["rtsp_transport"], SourceOptions::interrupt and SourceOptions::clock (which
// LiveSource fills; without one, opening fails with MediaError(invalid_argument)). Its errors reach LiveSource as
// MediaError (open_failed while connecting, io afterwards); an open error names the URL as given, which
// LiveSource redacts before showing it.
media::ConnectionFactory make_connection_factory();

}  // namespace zc::ingest
