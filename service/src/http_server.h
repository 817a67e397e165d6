// zcrecd's HTTP/1.1 server core: the only file that knows Boost.Beast and Asio (they stay out of every other
// translation unit: compile time, and the routes see only http_message.h). docs/service.md ("HTTP server") has
// the design and the measurements behind the numbers below.
//
// One I/O thread reads every connection asynchronously: an idle keep-alive connection, or a client trickling
// its request, costs a socket and a small buffer, never a thread. Beast's request parser enforces the bounds as
// bytes arrive, before anything proportional to them is allocated. A complete request goes to a worker pool
// (api or media, see Pool), whose answer the I/O thread writes asynchronously; a streamed body (clip.mp4,
// live.mp4) is written by its media worker, which it holds only while streaming.
#pragma once

#include "http_message.h"
#include "http_router.h"

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace zc::service::http {

// Bounds (docs/service.md lists them with the reasons).
inline constexpr std::size_t kMaxHeaderBytes = 16 * 1024;  // request line + header fields: 431 (414 for the line)
inline constexpr std::size_t kMaxTargetBytes = 8 * 1024;  // the request target (path and query): 414
inline constexpr auto kRequestTimeout = std::chrono::seconds(5);    // first byte -> complete request: else 408
inline constexpr auto kKeepAliveTimeout = std::chrono::seconds(5);  // idle between requests: closed
// A browser's <video> stops reading a clip.mp4 response once its buffer is full and reads on as it plays: a short
// write timeout cut those responses (Chromium: ERR_CONTENT_LENGTH_MISMATCH). 30 s covers a paused buffer; a
// client that never reads again frees its worker after it.
inline constexpr auto kWriteTimeout = std::chrono::seconds(30);
inline constexpr std::size_t kKeepAliveMaxRequests = 100;
inline constexpr std::size_t kMaxConnections = 256;            // in total; beyond: 503 and close
inline constexpr std::size_t kMaxConnectionsPerAddress = 128;  // per client IP address; beyond: 503 and close
inline constexpr std::size_t kApiWorkers = 8;
inline constexpr std::size_t kMediaWorkers = 8;          // streams at a time (live viewers are capped lower)
inline constexpr std::size_t kMaxMediaQueued = 16;       // media requests waiting for a worker; beyond: 503

// What the server asks of the application. Every function must be safe to call from the I/O thread (on_head)
// or any worker (handle); the server catches what they throw anyway.
struct ServerHandler {
  // Once the request's head is read and checked, before its body: an answer here is sent at once and the
  // connection closed without reading the body (authentication, a token in the URL). On the I/O thread: cheap.
  std::function<std::optional<Response>(const Request& head)> on_head;
  std::function<Pool(const Request&)> pool_of;
  // On a worker: fills the response. Must not throw (Router::handle does not).
  std::function<void(Request&, Response&)> handle;
  std::function<void(const std::string&)> log;
  std::size_t max_body_bytes = 0;  // larger bodies (Content-Length or chunked) get 413 before they are read
};

class Server {
 public:
  // Binds host:port (port 0: any free one) without SO_REUSEPORT, so a second daemon on the same port fails here.
  // Throws std::runtime_error with the reason when it cannot. Serves on its own threads until stop().
  Server(const std::string& host, int port, ServerHandler handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const noexcept;
  // Stops accepting, ends streams and closes every connection; returns when every thread has ended.
  void stop();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// The request parser with the server's bounds, on bytes already in memory (the fuzz target's seam, and the
// server's own conversion from Beast's message to a Request). status 0: `request` is complete and valid;
// otherwise the status the server answers (400, 408 for an incomplete request, 413, 414, 431) and why.
struct ParsedRequest {
  int status = 0;
  std::string message;
  Request request;
  std::size_t consumed = 0;  // bytes of `bytes` the request took (a pipelined next one follows)
};
ParsedRequest parse_request(std::string_view bytes, std::size_t max_body_bytes);

}  // namespace zc::service::http
