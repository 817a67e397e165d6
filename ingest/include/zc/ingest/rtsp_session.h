// One RTSP control connection: requests with their answers (CSeq, Session, authentication after a 401),
// keepalive at half the session timeout (GET_PARAMETER when the camera lists it, else OPTIONS), and TEARDOWN
// before the connection closes. On an interleaved TCP session the same socket carries the media: read_some()
// reads up to 64 KiB at once and hands every complete '$' frame to the frame handler, in place.
#pragma once

#include <zc/fifo/clock.h>
#include <zc/fifo/unique_fd.h>
#include <zc/ingest/rtsp_auth.h>
#include <zc/ingest/rtsp_message.h>
#include <zc/ingest/rtsp_url.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace zc::ingest {

struct RtspSessionOptions {
  // Required, and must outlive the session: what connect and answer deadlines and the keepalive are timed on.
  const fifo::Clock* clock = nullptr;
  // Asked while any call blocks (often: each socket wait); true aborts it with IngestError(interrupted).
  std::function<bool()> interrupt;
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};  // connecting, and each answer
  std::string user_agent = "zcrec";
};

class RtspSession {
 public:
  using Headers = std::vector<std::pair<std::string, std::string>>;
  using FrameHandler = std::function<void(uint8_t channel, std::span<const uint8_t> payload)>;

  // Connects; throws IngestError (invalid_argument without a clock).
  RtspSession(const RtspUrl& url, RtspSessionOptions options);
  ~RtspSession();  // TEARDOWN when a session was set up, then close
  RtspSession(const RtspSession&) = delete;
  RtspSession& operator=(const RtspSession&) = delete;

  // Sends a request and waits for its answer; interleaved frames that arrive meanwhile go to the frame handler.
  // A 401 is answered once with the credentials. Throws IngestError: auth_failed, rtsp_status (non-2xx),
  // timeout, closed, protocol, interrupted.
  RtspMessage request(const std::string& method, const std::string& url, Headers headers = {});

  // Keepalive: sends GET_PARAMETER or OPTIONS without waiting (its answer is read and dropped by read_some())
  // when half the session timeout has passed since the last request.
  void keepalive_if_due();
  const fifo::Clock& clock() const noexcept { return *options_.clock; }
  // Reads what the socket has (waiting up to `timeout_ms` for something) and dispatches it. Returns false when
  // the camera closed the connection; throws IngestError(protocol / io / interrupted).
  bool read_some(int timeout_ms);

  void set_frame_handler(FrameHandler handler) { on_frame_ = std::move(handler); }
  int fd() const noexcept { return fd_.get(); }
  const std::string& session_id() const noexcept { return session_id_; }
  int session_timeout_s() const noexcept { return timeout_s_; }
  const std::string& request_url() const noexcept { return url_.request_url; }
  // Bytes read from the socket so far, and whether an interleaved frame is only partly in.
  uint64_t bytes_received() const noexcept { return received_; }
  bool partial_frame() const noexcept { return begin_ < end_; }
  // Bytes already read that may hold complete frames (left after a request's answer): read_some() hands them
  // out without waiting.
  bool pending_dispatch() const noexcept { return pending_dispatch_; }

 private:
  void send_request(const std::string& method, const std::string& url, const Headers& headers, int cseq);
  // Dispatches what is complete in the buffer; a response to `wait_cseq` is returned through `answer`.
  bool dispatch(int wait_cseq, RtspMessage* answer);
  bool fill(int timeout_ms);

  RtspUrl url_;
  RtspSessionOptions options_;
  fifo::UniqueFd fd_;
  RtspAuth auth_;
  int cseq_ = 0;
  std::string session_id_;
  int timeout_s_ = 60;
  bool get_parameter_ = false;  // the camera lists GET_PARAMETER in Public
  int64_t last_request_ms_ = 0;
  std::vector<uint8_t> buffer_;
  size_t begin_ = 0, end_ = 0;  // unread bytes: buffer_[begin_, end_)
  uint64_t received_ = 0;
  bool pending_dispatch_ = false;
  int receive_timeout_ms_ = 0;  // the socket's SO_RCVTIMEO as last set (0: never set)
  FrameHandler on_frame_;
};

}  // namespace zc::ingest
