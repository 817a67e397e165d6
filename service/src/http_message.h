// zcrec's own HTTP request and response, what the routes see instead of a library's types: the server
// (http_server.cpp, the one file that knows Boost.Beast/Asio) fills a Request from the wire after checking it,
// and writes the Response the route filled. Every string a Request holds has been validated: no route has to ask
// whether a byte may be logged, echoed or put into JSON.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace zc::service::http {

struct CaseInsensitiveLess {
  bool operator()(const std::string& a, const std::string& b) const noexcept;
};
// Header names compare without case (RFC 9110 5.1).
using Headers = std::multimap<std::string, std::string, CaseInsensitiveLess>;
// Query parameters, decoded (%XX, '+'), in the order of the URL for equal names.
using Params = std::multimap<std::string, std::string>;
// The byte ranges of a Range header, (first, last) inclusive, -1 where absent: "bytes=-500" is (-1, 500).
using Ranges = std::vector<std::pair<int64_t, int64_t>>;

struct Request {
  std::string method;       // "GET", "POST", ... (an HTTP token)
  std::string target;       // as sent: printable ASCII only
  std::string path;         // the target's path, percent-decoded: valid UTF-8 without control characters
  Params query;             // the target's query: names and values valid UTF-8 without control characters
  Headers headers;          // values may hold any byte but CR, LF and NUL: escape before logging
  std::string body;         // at most kMaxBodyBytes
  std::string remote_addr;  // the peer's IP address
  std::vector<std::string> matches;  // the route's match: [0] the whole path, [1..] its groups

  std::string header(std::string_view name) const;  // "" when absent (the first when repeated)
  bool has_header(std::string_view name) const;
  bool has_param(const std::string& name) const { return query.count(name) != 0; }
  std::string param(const std::string& name) const;  // "" when absent (the first when repeated)
};

// Where a streamed body goes. write() blocks while the client is slow (up to the server's write timeout) and
// returns false when the client is gone, too slow, or the server is stopping: the provider then stops.
class Sink {
 public:
  virtual ~Sink() = default;
  virtual bool write(const char* data, std::size_t size) = 0;
  // The end of a body of unknown length (chunked): the terminating chunk is sent.
  virtual void done() = 0;
};

// Called again and again with the number of body bytes sent so far until the body is complete (its length
// reached, or done() for a chunked one). false: the body cannot go on; the connection is closed short of its
// length (or without the last chunk), so the client sees a failed transfer, never a complete-looking one.
using ContentProvider = std::function<bool(int64_t offset, Sink& sink)>;

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  // A streamed body, written by a media worker as the provider produces it (clip.mp4, live.mp4).
  ContentProvider provider;
  std::optional<int64_t> content_length;  // with provider: known length; absent: chunked
  std::function<void(bool complete)> on_end;  // after a streamed body, whatever its end

  // Replaces any header of that name. Throws std::invalid_argument for a name or value with CR, LF or NUL: a
  // client's bytes must never end up splitting a header (they are refused with 400 long before this).
  void set_header(const std::string& name, const std::string& value);
  std::string header(std::string_view name) const;
  void set_content(std::string text, const std::string& content_type);
  void set_content_provider(int64_t length, const std::string& content_type, ContentProvider p);
  void set_chunked_content_provider(const std::string& content_type, ContentProvider p,
                                    std::function<void(bool complete)> end = {});
};

// Strict UTF-8 (no overlong forms, surrogates or code points past U+10FFFF): what nlohmann::json accepts.
bool valid_utf8(std::string_view s) noexcept;
// A byte below 0x20 or 0x7F: never allowed in a path, a query name or value.
bool has_control(std::string_view s) noexcept;

// application/x-www-form-urlencoded decoding of one name or value (%XX; '+' is a space when plus_is_space).
// A '%' without two hex digits stays as it is.
std::string url_decode(std::string_view s, bool plus_is_space);

// The query of a target (after '?', before '#'), decoded; not yet validated.
Params parse_query(std::string_view query);

// The Range header's byte ranges; empty when absent or not of the form "bytes=a-b[, ...]" (an invalid Range
// is ignored, not refused: RFC 9110 14.2).
Ranges parse_ranges(std::string_view range_header);

}  // namespace zc::service::http
