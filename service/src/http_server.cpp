#include "http_server.h"

#include "http_access_log.h"
#include "http_errors.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <cctype>
#include <cstdio>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace zc::service::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Parser = bhttp::request_parser<bhttp::string_body>;

namespace {

// An answer the server writes by itself (its own refusals) and its connection closes after.
constexpr auto kRefusalWriteTimeout = std::chrono::seconds(5);
// After a refusal the rest of what the client is sending is read and dropped, for at most this long and this
// much, before the socket closes: closing a socket with unread bytes sends a reset, which can reach the client
// before it has read the refusal (a 413 would look like a broken connection).
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr std::size_t kLingerBytes = 8u << 20;
// Read buffer per connection: the head (≤ kMaxHeaderBytes) plus what arrives with it; the body is moved out
// of it as it is parsed (Beast), so the buffer never holds more than this.
constexpr std::size_t kReadBufferBytes = 64 * 1024;
// The kernel's send buffer for a streamed body (Linux doubles it): 256 KiB in flight is 40 Mbit/s at 50 ms RTT.
constexpr int kStreamSendBufferBytes = 256 * 1024;
// How often a worker writing a stream looks at the server's state while the client does not read.
constexpr int kPollSliceMs = 200;

const char* reason_phrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

// The status line and headers; Content-Length or chunked and Connection are the server's to set.
std::string head_text(const Response& res, std::optional<int64_t> length, bool keep_alive, bool chunked) {
  std::string h = "HTTP/1.1 " + std::to_string(res.status) + " " + reason_phrase(res.status) + "\r\n";
  for (const auto& [k, v] : res.headers) {
    if (k == "Content-Length" || k == "Transfer-Encoding" || k == "Connection") continue;
    h += k + ": " + v + "\r\n";
  }
  // 204 and 304 have no body and must not announce one.
  if (length && res.status != 204 && res.status != 304) h += "Content-Length: " + std::to_string(*length) + "\r\n";
  if (chunked) h += "Transfer-Encoding: chunked\r\n";
  h += keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
  h += "\r\n";
  return h;
}

Response error_response(int status, const std::string& message) {
  Response r;
  reply_error(r, status, message);
  return r;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
    if (std::tolower(x) != std::tolower(y)) return false;
  }
  return true;
}

// Beast's message head -> Request, refusing what no route may ever see. 0 or the status to answer.
int convert_head(const Parser& parser, Request& out, std::string& why) {
  const auto& m = parser.get();
  out.method = std::string(m.method_string());
  out.target = std::string(m.target());
  // Routing matches regexes (std::regex recurses per character): a bounded target keeps that bounded too.
  if (out.target.size() > kMaxTargetBytes) {
    why = "the request target is longer than " + std::to_string(kMaxTargetBytes) + " bytes";
    return 414;
  }
  for (const char c : out.target) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F) {
      why = "the request target must be printable ASCII (percent-encode other bytes)";
      return 400;
    }
  }
  if (out.target.empty() || out.target.front() != '/') {
    why = "the request target must be a path starting with /";
    return 400;
  }
  const auto q = out.target.find_first_of("?#");
  out.path = url_decode(std::string_view(out.target).substr(0, q), false);
  if (!valid_utf8(out.path)) {
    why = "the path is not valid UTF-8";
    return 400;
  }
  if (has_control(out.path)) {
    why = "the path holds a control character";
    return 400;
  }
  if (q != std::string::npos && out.target[q] == '?') out.query = parse_query(std::string_view(out.target).substr(q + 1));
  for (const auto& [k, v] : out.query) {
    if (!valid_utf8(k) || has_control(k)) {
      why = "a query parameter name is not valid UTF-8 or holds a control character";
      return 400;
    }
    if (!valid_utf8(v) || has_control(v)) {
      why = "query parameter " + k + " is not valid UTF-8 or holds a control character (CR, LF, ...)";
      return 400;
    }
  }
  for (const auto& f : m) {
    const std::string name(f.name_string()), value(f.value());
    for (const char c : value) {
      if (c == '\r' || c == '\n' || c == '\0') {
        why = "a header value holds CR, LF or NUL";
        return 400;
      }
    }
    out.headers.emplace(name, value);
  }
  return 0;
}

// The status for a parse failure. `start_line_done`: the request line was parsed (Beast set the target), so a
// head over the limit is 431, else the request line itself is too long: 414.
int status_of_parse_error(const beast::error_code& ec, bool start_line_done, std::size_t max_body, std::string& why) {
  if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow) {
    if (!start_line_done) {
      why = "the request line is longer than " + std::to_string(kMaxHeaderBytes) + " bytes";
      return 414;
    }
    why = "the request head is larger than " + std::to_string(kMaxHeaderBytes) + " bytes";
    return 431;
  }
  if (ec == bhttp::error::body_limit) {
    why = "the request body is larger than " + std::to_string(max_body) + " bytes";
    return 413;
  }
  why = "the request could not be read: " + ec.message();
  return 400;
}

void configure(Parser& p, std::size_t max_body) {
  p.header_limit(static_cast<std::uint32_t>(kMaxHeaderBytes));
  p.body_limit(static_cast<std::uint64_t>(max_body));
  p.eager(true);
}

// A fixed set of threads taking jobs from a queue; `max_queued` bounds the waiting jobs (0: no bound).
class WorkerPool {
 public:
  WorkerPool(std::size_t threads, std::size_t max_queued) : max_queued_(max_queued) {
    for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
  }
  ~WorkerPool() { stop(); }

  bool submit(std::function<void()> job) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_ || (max_queued_ > 0 && queue_.size() >= max_queued_)) return false;
      queue_.push_back(std::move(job));
    }
    cv_.notify_one();
    return true;
  }

  void stop() {
    std::deque<std::function<void()>> dropped;
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      dropped.swap(queue_);
    }
    cv_.notify_all();
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }

 private:
  void run() {
    while (true) {
      std::function<void()> job;
      {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (stopping_) return;
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      try {
        job();
      } catch (...) {  // a job catches its own; nothing may end a worker
      }
    }
  }

  const std::size_t max_queued_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

class Connection;

}  // namespace

struct Server::Impl {
  explicit Impl(ServerHandler h) : handler(std::move(h)) {}

  void log(const std::string& line) noexcept {
    try {
      if (handler.log) handler.log(line);
    } catch (...) {
    }
  }

  // Counts a new connection from `addr`; false when a bound is reached.
  bool admit(const std::string& addr) {
    std::lock_guard lock(count_mutex);
    if (connections >= kMaxConnections) return false;
    auto& n = per_address[addr];
    if (n >= kMaxConnectionsPerAddress) return false;
    ++n;
    ++connections;
    return true;
  }
  void release(const std::string& addr) noexcept {
    std::lock_guard lock(count_mutex);
    --connections;
    const auto it = per_address.find(addr);
    if (it != per_address.end() && --it->second == 0) per_address.erase(it);
  }

  void accept();

  ServerHandler handler;
  std::atomic<bool> stopping{false};
  std::mutex count_mutex;
  std::size_t connections = 0;
  std::map<std::string, std::size_t> per_address;
  int port = 0;
  // Declared after what a Connection's destructor uses: the io_context destroys the connections still queued in
  // it when it goes, and the pools must be gone before it (their jobs post to it).
  asio::io_context io{1};
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  tcp::acceptor acceptor{io};
  asio::steady_timer accept_retry{io};
  std::thread io_thread;
  std::unique_ptr<WorkerPool> api_pool;
  std::unique_ptr<WorkerPool> media_pool;
};

namespace {

// A streamed body's sink: blocking writes on the connection's (non-blocking) socket from its media worker, with
// the write timeout per write and the server's stop looked at every kPollSliceMs.
class SocketSink final : public Sink {
 public:
  SocketSink(int fd, bool chunked, const std::atomic<bool>& stopping) : fd_(fd), chunked_(chunked), stopping_(stopping) {}

  bool write(const char* data, std::size_t size) override {
    if (failed_ || done_) return false;
    if (size == 0) return true;
    if (chunked_) {
      char line[32];
      const int n = std::snprintf(line, sizeof line, "%zx\r\n", size);
      if (!send_all(line, static_cast<std::size_t>(n)) || !send_all(data, size) || !send_all("\r\n", 2)) return false;
    } else if (!send_all(data, size)) {
      return false;
    }
    sent_ += static_cast<int64_t>(size);
    return true;
  }

  void done() override {
    if (failed_ || done_) return;
    if (chunked_ && !send_all("0\r\n\r\n", 5)) return;
    done_ = true;
  }

  bool send_all(const char* data, std::size_t size) {
    auto deadline = std::chrono::steady_clock::now() + kWriteTimeout;
    while (size > 0) {
      if (stopping_) return fail();
      const ssize_t n = ::send(fd_, data, size, MSG_NOSIGNAL);
      if (n > 0) {
        data += n;
        size -= static_cast<std::size_t>(n);
        deadline = std::chrono::steady_clock::now() + kWriteTimeout;  // the timeout is for a client that stops reading
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        if (std::chrono::steady_clock::now() >= deadline) return fail();
        pollfd p{fd_, POLLOUT, 0};
        ::poll(&p, 1, kPollSliceMs);
        continue;
      }
      return fail();
    }
    return true;
  }

  bool failed() const noexcept { return failed_; }
  bool is_done() const noexcept { return done_; }
  int64_t sent() const noexcept { return sent_; }

 private:
  bool fail() {
    failed_ = true;
    return false;
  }

  int fd_;
  bool chunked_;
  const std::atomic<bool>& stopping_;
  bool failed_ = false;
  bool done_ = false;
  int64_t sent_ = 0;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Server::Impl& server, tcp::socket socket, std::string addr)
      : server_(server), socket_(std::move(socket)), timer_(server.io), buffer_(kReadBufferBytes), addr_(std::move(addr)) {}
  ~Connection() { server_.release(addr_); }

  void start() { wait_first_byte(); }

 private:
  // Between requests: no buffer, no parser, no worker; the keep-alive timeout closes it.
  void wait_first_byte() {
    if (buffer_.size() > 0) return read_head();
    buffer_.shrink_to_fit();
    arm(kKeepAliveTimeout);
    socket_.async_wait(tcp::socket::wait_read, [self = shared_from_this()](const beast::error_code& ec) {
      self->guard([&] {
        if (ec || self->timed_out_) return self->close();
        self->read_head();
      });
    });
  }

  // From the first byte, the whole request (head and body) must arrive within kRequestTimeout.
  void read_head() {
    parser_.emplace();
    configure(*parser_, server_.handler.max_body_bytes);
    arm(kRequestTimeout);
    bhttp::async_read_header(socket_, buffer_, *parser_,
                             [self = shared_from_this()](const beast::error_code& ec, std::size_t head_bytes) {
                               self->guard([&] { self->on_head(ec, head_bytes); });
                             });
  }

  void on_head(const beast::error_code& ec, std::size_t head_bytes) {
    if (ec) return read_failed(ec);
    // Beast's header_limit stops a head that arrives in pieces, but one that arrives whole in the buffer got
    // through it (measured: a 192 KB head in one write was served); the head's size is checked here too.
    if (head_bytes > kMaxHeaderBytes)
      return refuse(431, "the request head is larger than " + std::to_string(kMaxHeaderBytes) + " bytes");
    req_ = Request{};
    req_.remote_addr = addr_;
    std::string why;
    if (const int status = convert_head(*parser_, req_, why); status != 0) return refuse(status, why);
    keep_alive_ = parser_->get().keep_alive() && ++requests_ < kKeepAliveMaxRequests;
    if (server_.handler.on_head) {
      if (auto answer = server_.handler.on_head(req_)) {
        // The body (if any) is never read: the connection closes after the answer.
        keep_alive_ = false;
        return write_response(std::move(*answer), /*lingering=*/true);
      }
    }
    if (parser_->is_done()) return dispatch();
    if (iequals(req_.header("Expect"), "100-continue")) {
      static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      asio::async_write(socket_, asio::buffer(kContinue),
                        [self = shared_from_this()](const beast::error_code& e, std::size_t) {
                          self->guard([&] {
                            if (e) return self->close();
                            self->read_body();
                          });
                        });
      return;
    }
    read_body();
  }

  void read_body() {
    bhttp::async_read(socket_, buffer_, *parser_, [self = shared_from_this()](const beast::error_code& ec, std::size_t) {
      self->guard([&] {
        if (ec) return self->read_failed(ec);
        self->req_.body = std::move(self->parser_->get().body());
        self->dispatch();
      });
    });
  }

  void read_failed(const beast::error_code& ec) {
    if (timed_out_) return refuse(408, "the request was not complete within " +
                                           std::to_string(kRequestTimeout.count()) + " s of its first byte");
    // The client closed (between requests, or mid-request): nobody to answer.
    if (ec == bhttp::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
        ec == bhttp::error::partial_message || ec == asio::error::operation_aborted)
      return close();
    std::string why;
    const bool start_line_done = parser_ && !parser_->get().target().empty();
    const int status = status_of_parse_error(ec, start_line_done, server_.handler.max_body_bytes, why);
    refuse(status, why);
  }

  void dispatch() {
    disarm();
    parser_.reset();
    Pool pool = Pool::api;
    try {
      pool = server_.handler.pool_of(req_);
    } catch (...) {
    }
    auto job = [self = shared_from_this()] { self->work(); };
    const bool queued = pool == Pool::media ? server_.media_pool->submit(job) : server_.api_pool->submit(job);
    if (!queued) {
      keep_alive_ = false;
      write_response(error_response(503, "too many requests for footage at a time; try again later"), true);
    }
  }

  // On a worker.
  void work() noexcept {
    Response res;
    try {
      server_.handler.handle(req_, res);
    } catch (...) {
      res = Response{};
      res.status = 500;
    }
    if (res.status >= 500)
      server_.log("http: " + escape_for_log(req_.method, 32) + " " + escape_for_log(req_.path) + " -> " +
                  std::to_string(res.status) + " " + escape_for_log(res.body));
    if (res.provider && req_.method != "HEAD") return stream(res);
    asio::post(server_.io, [self = shared_from_this(), r = std::move(res)]() mutable {
      self->guard([&] { self->write_response(std::move(r), false); });
    });
  }

  // On a media worker: the head, then the provider's bytes until the body is complete, the client is gone or
  // too slow, or the server stops. Whatever cuts the body short closes the connection before its end.
  void stream(Response& res) noexcept {
    bool complete = false;
    try {
      const bool chunked = !res.content_length;
      const int fd = socket_.native_handle();
      // What a slow client has not taken yet waits here, in this worker's writes, not in megabytes of kernel
      // buffer: the write timeout then measures the client, and a daemon that dies mid-stream leaves the
      // client short of Content-Length instead of handing it the rest from its buffers.
      const int sndbuf = kStreamSendBufferBytes;
      ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
      SocketSink head_sink(fd, false, server_.stopping);
      const std::string head = head_text(res, res.content_length, keep_alive_, chunked);
      if (head_sink.send_all(head.data(), head.size())) {
        SocketSink sink(fd, chunked, server_.stopping);
        while (!server_.stopping) {
          if (res.content_length && sink.sent() >= *res.content_length) {
            complete = sink.sent() == *res.content_length;
            break;
          }
          if (sink.is_done()) {
            complete = true;
            break;
          }
          if (!res.provider(sink.sent(), sink) || sink.failed()) break;
        }
      }
    } catch (...) {
      complete = false;
    }
    try {
      if (res.on_end) res.on_end(complete);
    } catch (...) {
    }
    const bool again = complete && keep_alive_;
    asio::post(server_.io, [self = shared_from_this(), again] {
      self->guard([&] {
        if (again) return self->next_request();
        self->close();
      });
    });
  }

  // On the I/O thread: the whole answer at once, asynchronously, within the write timeout.
  void write_response(Response res, bool lingering) {
    const bool head_only = req_.method == "HEAD";
    std::optional<int64_t> length = res.provider ? res.content_length : std::optional<int64_t>(res.body.size());
    out_head_ = head_text(res, length, keep_alive_, res.provider && !res.content_length);
    out_body_ = head_only ? std::string() : std::move(res.body);
    arm(lingering ? kRefusalWriteTimeout : kWriteTimeout);
    const std::array<asio::const_buffer, 2> bufs{asio::buffer(out_head_), asio::buffer(out_body_)};
    asio::async_write(socket_, bufs,
                      [self = shared_from_this(), lingering](const beast::error_code& ec, std::size_t) {
                        self->guard([&] {
                          self->disarm();
                          self->out_head_.clear();
                          self->out_body_.clear();
                          self->out_head_.shrink_to_fit();
                          self->out_body_.shrink_to_fit();
                          if (ec || self->timed_out_) return self->close();
                          if (lingering || !self->keep_alive_) return self->linger();
                          self->next_request();
                        });
                      });
  }

  void next_request() {
    req_ = Request{};
    wait_first_byte();
  }

  // The server's own refusal (4xx from the parser, 408): logged, answered, closed.
  void refuse(int status, const std::string& why) {
    server_.log("http: " + escape_for_log(addr_, 64) + " refused " + std::to_string(status) + ": " + escape_for_log(why));
    keep_alive_ = false;
    parser_.reset();
    write_response(error_response(status, why), true);
  }

  // Sends FIN, then reads and drops what the client still sends (bounded in time and bytes), then closes.
  void linger() {
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    buffer_.clear();
    buffer_.shrink_to_fit();
    linger_until_ = std::chrono::steady_clock::now() + kLingerTime;
    arm(kLingerTime);
    drain();
  }

  void drain() {
    socket_.async_read_some(asio::buffer(scratch_), [self = shared_from_this()](const beast::error_code& ec, std::size_t n) {
      self->guard([&] {
        self->drained_ += n;
        if (ec || self->timed_out_ || self->drained_ > kLingerBytes) return self->close();
        self->drain();
      });
    });
  }

  void close() {
    disarm();
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  // The deadline of what the connection does next: reads and writes pending at expiry are cancelled.
  void arm(std::chrono::steady_clock::duration d) {
    timed_out_ = false;
    timer_.expires_after(d);
    // A wait that completed just before being re-armed or cancelled still runs its handler: the generation
    // tells it that it is stale.
    timer_.async_wait([self = shared_from_this(), generation = ++timer_generation_](const beast::error_code& ec) {
      if (ec || generation != self->timer_generation_) return;  // re-armed or cancelled
      self->timed_out_ = true;
      beast::error_code ignored;
      self->socket_.cancel(ignored);
    });
  }

  void disarm() {
    ++timer_generation_;
    timer_.cancel();
  }

  // No handler on the I/O thread may throw out of it (Asio would end the thread's run()).
  template <class F>
  void guard(F&& f) noexcept {
    try {
      f();
    } catch (const std::exception& e) {
      server_.log(std::string("http: connection failed: ") + e.what());
      close();
    } catch (...) {
      close();
    }
  }

  Server::Impl& server_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<Parser> parser_;
  std::string addr_;
  Request req_;
  bool timed_out_ = false;
  std::uint64_t timer_generation_ = 0;
  bool keep_alive_ = false;
  std::size_t requests_ = 0;
  std::string out_head_, out_body_;
  std::array<char, 16 * 1024> scratch_{};
  std::size_t drained_ = 0;
  std::chrono::steady_clock::time_point linger_until_;
};

}  // namespace

void Server::Impl::accept() {
  acceptor.async_accept(io, [this](const beast::error_code& ec, tcp::socket socket) {
    if (stopping) return;
    if (ec) {
      // Out of file descriptors (or another transient failure): try again shortly rather than spin.
      if (ec != asio::error::operation_aborted) log("http: accept failed: " + ec.message());
      accept_retry.expires_after(std::chrono::milliseconds(100));
      accept_retry.async_wait([this](const beast::error_code& e) {
        if (!e && !stopping) accept();
      });
      return;
    }
    try {
      beast::error_code e;
      const auto remote = socket.remote_endpoint(e);
      std::string addr = e ? std::string("?") : remote.address().to_string();
      // httplib wrote the status line and headers apart from the body; with Nagle on, a keep-alive client's
      // delayed ACK held the body back ~40 ms. This server writes them in one go, but a streamed body's chunks
      // follow its head: keep Nagle off.
      socket.set_option(tcp::no_delay(true), e);
      socket.non_blocking(true, e);
      if (!admit(addr)) {
        static const std::string kBusy =
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: 74\r\n"
            "Connection: close\r\n\r\n{\"error\":{\"status\":503,\"message\":\"too many connections; try again later\"}}";
        [[maybe_unused]] const auto n = ::send(socket.native_handle(), kBusy.data(), kBusy.size(), MSG_NOSIGNAL);
        log("http: " + addr + " refused: too many connections");
        socket.close(e);
      } else {
        std::make_shared<Connection>(*this, std::move(socket), std::move(addr))->start();
      }
    } catch (const std::exception& ex) {
      log(std::string("http: accept: ") + ex.what());
    }
    accept();
  });
}

Server::Server(const std::string& host, int port, ServerHandler handler)
    : impl_(std::make_unique<Impl>(std::move(handler))) {
  auto& s = *impl_;
  try {
    tcp::resolver resolver(s.io);
    const auto results = resolver.resolve(host, std::to_string(port), tcp::resolver::passive);
    if (results.empty()) throw std::runtime_error("cannot resolve " + host);
    const tcp::endpoint ep = results.begin()->endpoint();
    s.acceptor.open(ep.protocol());
    // SO_REUSEADDR lets a restarted daemon bind while old connections sit in TIME_WAIT; it does not let two
    // sockets listen on one port (SO_REUSEPORT would, and is not set: a second daemon must fail to bind).
    s.acceptor.set_option(tcp::acceptor::reuse_address(true));
    s.acceptor.bind(ep);
    s.acceptor.listen(asio::socket_base::max_listen_connections);
    s.port = s.acceptor.local_endpoint().port();
  } catch (const boost::system::system_error& e) {
    throw std::runtime_error(e.what());
  }
  s.api_pool = std::make_unique<WorkerPool>(kApiWorkers, 0);
  s.media_pool = std::make_unique<WorkerPool>(kMediaWorkers, kMaxMediaQueued);
  s.accept();
  s.io_thread = std::thread([&s] {
    while (true) {
      try {
        s.io.run();
        return;
      } catch (const std::exception& e) {  // guard() keeps handlers from throwing; this is the last line
        s.log(std::string("http: I/O thread: ") + e.what());
      } catch (...) {
      }
    }
  });
}

Server::~Server() { stop(); }

int Server::port() const noexcept { return impl_->port; }

void Server::stop() {
  auto& s = *impl_;
  if (s.stopping.exchange(true)) return;
  asio::post(s.io, [&s] {
    beast::error_code ignored;
    s.acceptor.close(ignored);
    s.accept_retry.cancel();
  });
  // Workers first: a streaming worker sees `stopping` within kPollSliceMs; what they post afterwards is dropped
  // with the io_context.
  s.api_pool->stop();
  s.media_pool->stop();
  s.work.reset();
  s.io.stop();
  if (s.io_thread.joinable()) s.io_thread.join();
}

ParsedRequest parse_request(std::string_view bytes, std::size_t max_body_bytes) {
  ParsedRequest out;
  Parser parser;
  configure(parser, max_body_bytes);
  beast::error_code ec;
  std::size_t used = 0;
  bool head_checked = false;
  while (!parser.is_done()) {
    const auto incomplete = [&] {
      out.status = 408;
      out.message = "the request is incomplete";
      out.consumed = used;
      return out;
    };
    if (used >= bytes.size()) return incomplete();
    const std::size_t n = parser.put(asio::buffer(bytes.data() + used, bytes.size() - used), ec);
    used += n;
    // Every byte left was offered: more is needed than there is.
    if (ec == bhttp::error::need_more) return incomplete();
    if (ec) {
      out.status = status_of_parse_error(ec, !parser.get().target().empty(), max_body_bytes, out.message);
      out.consumed = used;
      return out;
    }
    if (parser.is_header_done() && !head_checked) {
      head_checked = true;
      // As the server does after async_read_header: the head as a whole is bounded too (see on_head).
      const auto eoh = bytes.find("\r\n\r\n");
      if (eoh != std::string_view::npos && eoh + 4 > kMaxHeaderBytes) {
        out.status = 431;
        out.message = "the request head is larger than " + std::to_string(kMaxHeaderBytes) + " bytes";
        out.consumed = used;
        return out;
      }
      if (const int status = convert_head(parser, out.request, out.message); status != 0) {
        out.status = status;
        return out;
      }
    }
    if (n == 0 && !parser.is_done()) return incomplete();
  }
  if (!head_checked) {
    if (const int status = convert_head(parser, out.request, out.message); status != 0) {
      out.status = status;
      return out;
    }
  }
  out.request.body = std::move(parser.get().body());
  out.consumed = used;
  return out;
}

}  // namespace zc::service::http
