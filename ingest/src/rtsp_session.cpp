#include <zc/ingest/rtsp_session.h>

#include "net.h"

#include <zc/ingest/error.h>

#include <sys/socket.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace zc::ingest {

namespace {

// Interleaved media is read in chunks this large: a 1080p keyframe in a few reads, a P-frame in one.
constexpr size_t kReadChunk = 64 * 1024;

RtspSessionOptions checked(RtspSessionOptions o) {
  if (o.clock == nullptr) throw std::invalid_argument("RtspSessionOptions::clock is required");
  return o;
}

}  // namespace

RtspSession::RtspSession(const RtspUrl& url, RtspSessionOptions options)
    : url_(url), options_(checked(std::move(options))), auth_(url.user, url.password) {
  fd_ = net::connect_tcp(url_.host, url_.port, clock(), net::mono_ms(clock()) + options_.timeout.count(),
                         options_.interrupt);
  buffer_.resize(4 * kReadChunk);
}

RtspSession::~RtspSession() {
  if (!fd_ || session_id_.empty()) return;
  // Best effort, without waiting for the answer: the camera frees the session now instead of at its timeout.
  try {
    send_request("TEARDOWN", url_.request_url, {}, ++cseq_);
  } catch (...) {
  }
  ::shutdown(fd_.get(), SHUT_RDWR);
}

void RtspSession::send_request(const std::string& method, const std::string& url, const Headers& headers, int cseq) {
  std::string r = method + " " + url + " RTSP/1.0\r\nCSeq: " + std::to_string(cseq) + "\r\nUser-Agent: " +
                  options_.user_agent + "\r\n";
  if (!session_id_.empty()) r += "Session: " + session_id_ + "\r\n";
  if (const std::string a = auth_.authorization(method, url); !a.empty()) r += "Authorization: " + a + "\r\n";
  for (const auto& [k, v] : headers) r += k + ": " + v + "\r\n";
  r += "\r\n";
  net::send_all(fd_.get(), {reinterpret_cast<const uint8_t*>(r.data()), r.size()},
                clock(), net::mono_ms(clock()) + options_.timeout.count(), options_.interrupt);
  last_request_ms_ = net::mono_ms(clock());
}

bool RtspSession::fill(int timeout_ms) {
  if (begin_ == end_) begin_ = end_ = 0;
  if (buffer_.size() - end_ < kReadChunk) {
    // Move the incomplete frame at the end to the front: at most one frame (< 64 KiB) is ever copied per read.
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
    if (buffer_.size() - end_ < kReadChunk) buffer_.resize(end_ + kReadChunk);
  }
  for (;;) {
    // One blocking recv() both waits (up to the socket's receive timeout) and reads: a poll() first would cost a
    // second system call on every picture.
    const bool wait = timeout_ms > 0;
    if (wait && receive_timeout_ms_ != timeout_ms) {
      net::set_receive_timeout(fd_.get(), timeout_ms);
      receive_timeout_ms_ = timeout_ms;
    }
    const ssize_t n = ::recv(fd_.get(), buffer_.data() + end_, buffer_.size() - end_, wait ? 0 : MSG_DONTWAIT);
    if (n > 0) {
      end_ += static_cast<size_t>(n);
      received_ += static_cast<uint64_t>(n);
      return true;
    }
    if (n == 0) return false;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK)
      throw IngestError(IngestErrc::io, std::string("reading from the camera: ") + std::strerror(errno));
    if (options_.interrupt && options_.interrupt()) throw IngestError(IngestErrc::interrupted, "interrupted");
    return true;  // nothing (within the timeout)
  }
}

bool RtspSession::dispatch(int wait_cseq, RtspMessage* answer) {
  bool answered = false;
  while (begin_ < end_) {
    if (buffer_[begin_] == '$') {  // media: the common case, without building a Parsed (and its message) per packet
      const auto f = parse_interleaved({buffer_.data() + begin_, end_ - begin_});
      if (!f) break;
      begin_ += f->consumed;
      if (on_frame_) on_frame_(f->channel, f->payload);
      continue;
    }
    Parsed p = parse_rtsp({buffer_.data() + begin_, end_ - begin_});
    if (p.kind == Parsed::Kind::need_more) break;
    begin_ += p.consumed;
    if (!p.message.is_response) {
      // A request from the camera (GET_PARAMETER as its own keepalive, ANNOUNCE, ...): answer that it is not
      // implemented, so a camera waiting for an answer is not left hanging.
      std::string r = "RTSP/1.0 501 Not Implemented\r\nCSeq: " +
                      std::to_string(p.message.cseq().value_or(0)) + "\r\n\r\n";
      try {
        net::send_all(fd_.get(), {reinterpret_cast<const uint8_t*>(r.data()), r.size()},
                      clock(), net::mono_ms(clock()) + options_.timeout.count(), options_.interrupt);
      } catch (const IngestError&) {
      }
      continue;
    }
    if (answer != nullptr && !answered && p.message.cseq() == wait_cseq) {
      *answer = std::move(p.message);
      answered = true;
      pending_dispatch_ = begin_ < end_;
      // Leave what follows in the buffer for the next call: the caller may set a new frame handler first.
      break;
    }
    // Keepalive answers and anything stale: dropped.
  }
  return answered;
}

bool RtspSession::read_some(int timeout_ms) {
  if (pending_dispatch_) {
    pending_dispatch_ = false;
    dispatch(-1, nullptr);
  }
  if (!fill(timeout_ms)) {
    dispatch(-1, nullptr);
    return false;
  }
  dispatch(-1, nullptr);
  return true;
}

void RtspSession::keepalive_if_due() {
  if (session_id_.empty()) return;
  const int64_t now = net::mono_ms(clock());
  if (now - last_request_ms_ < static_cast<int64_t>(timeout_s_) * 1000 / 2) return;
  send_request(get_parameter_ ? "GET_PARAMETER" : "OPTIONS", url_.request_url, {}, ++cseq_);
}

RtspMessage RtspSession::request(const std::string& method, const std::string& url, Headers headers) {
  for (int attempt = 0;; ++attempt) {
    const int cseq = ++cseq_;
    send_request(method, url, headers, cseq);
    const int64_t deadline = net::mono_ms(clock()) + options_.timeout.count();
    RtspMessage answer;
    while (!dispatch(cseq, &answer)) {
      const int64_t left = deadline - net::mono_ms(clock());
      if (left <= 0) throw IngestError(IngestErrc::timeout, "no answer to " + method + " within " +
                                                            std::to_string(options_.timeout.count() / 1000) + " s");
      if (!fill(static_cast<int>(std::min<int64_t>(left, 50))))
        throw IngestError(IngestErrc::closed, "the camera closed the connection during " + method);
    }
    if (answer.status == 401) {
      if (attempt == 0 && auth_.challenge(answer.all("WWW-Authenticate"))) continue;
      throw IngestError(IngestErrc::auth_failed, method + ": 401 " + answer.reason +
                                                     (auth_.has_credentials() ? " (credentials refused)"
                                                                              : " (the camera wants credentials)"));
    }
    if (answer.status < 200 || answer.status > 299)
      throw IngestError(IngestErrc::rtsp_status,
                        method + ": " + std::to_string(answer.status) + " " + answer.reason);
    if (const std::string* s = answer.header("Session"); s != nullptr && session_id_.empty()) {
      const SessionHeader h = parse_session_header(*s);
      session_id_ = h.id;
      timeout_s_ = h.timeout_s;
    }
    if (method == "OPTIONS")
      if (const std::string* pub = answer.header("Public")) get_parameter_ = pub->find("GET_PARAMETER") != std::string::npos;
    return answer;
  }
}

}  // namespace zc::ingest
