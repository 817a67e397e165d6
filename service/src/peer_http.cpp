#include "peer_http.h"

#include <httplib.h>

#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace zc::service {

std::optional<ForwardedReply> forward_event(const std::string& api_url, const std::string& camera,
                                            const std::string& body, const std::string& authorization,
                                            const std::string& from_host) {
  try {
    httplib::Client client(api_url);
    client.set_connection_timeout(2, 0);
    client.set_read_timeout(2, 0);
    client.set_write_timeout(2, 0);
    httplib::Headers headers{{kForwardedHeader, from_host}};
    if (!authorization.empty()) headers.emplace("Authorization", authorization);
    auto r = client.Post("/api/v1/cameras/" + camera + "/events", headers, body, "application/json");
    if (!r) return std::nullopt;
    return ForwardedReply{r->status, r->body, r->get_header_value("Location")};
  } catch (const std::exception&) {
    return std::nullopt;  // a bad URL is a holder that cannot be reached
  }
}

std::string fetch_segment(const std::string& api_url, int64_t segment_id, const std::string& authorization, int fd) {
  try {
    httplib::Client client(api_url);
    client.set_connection_timeout(10, 0);
    client.set_read_timeout(10, 0);
    httplib::Headers headers;
    if (!authorization.empty()) headers.emplace("Authorization", authorization);
    std::string error;
    int status = 0;
    auto r = client.Get(
        "/api/v1/segments/" + std::to_string(segment_id) + ".mp4", headers,
        [&](const httplib::Response& res) {
          status = res.status;
          return true;
        },
        [&](const char* data, size_t n) {
          if (status != 200) {
            error.append(data, std::min<size_t>(n, 512 - std::min<size_t>(error.size(), 512)));
            return true;
          }
          for (size_t done = 0; done < n;) {
            const ssize_t w = ::write(fd, data + done, n - done);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) return false;
            done += static_cast<size_t>(w);
          }
          return true;
        });
    if (!r) return "no answer (" + httplib::to_string(r.error()) + ")";
    if (status != 200) return "HTTP " + std::to_string(status) + ": " + error;
    return "";
  } catch (const std::exception& e) {
    return e.what();
  }
}

}  // namespace zc::service
