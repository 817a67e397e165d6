// Requests to the other hosts of a cluster (docs/cluster.md), with the caller's Authorization header (the hosts of
// a cluster share the API token): events posted to a host that does not record the camera go to the host that
// holds its lease ("Events on any host"), and a cluster clip fetches a segment the recording host has not copied
// to S3 from that host ("Clips of any host's footage"). Only this file sees cpp-httplib (a library of its own).
#pragma once

#include <optional>
#include <string>

namespace zc::service {

// The header a forwarded event carries; a request with it is handled where it arrives.
inline constexpr const char* kForwardedHeader = "X-Zcrec-Forwarded-By";

struct ForwardedReply {
  int status = 0;
  std::string body;      // the holder's JSON answer
  std::string location;  // its Location header ('' none)
};

// POSTs to api_url + "/api/v1/cameras/<camera>/events". nullopt when the holder did not answer within 2 s (down,
// partitioned): the caller decides what to do with the event then.
std::optional<ForwardedReply> forward_event(const std::string& api_url, const std::string& camera,
                                            const std::string& body, const std::string& authorization,
                                            const std::string& from_host);

// GETs api_url + "/api/v1/segments/<id>.mp4" (the recording host's own segment file) into `fd`. Returns "" when the
// whole file arrived, else why not (unreachable, an HTTP status and the host's message). At most 10 s to connect
// and between reads.
std::string fetch_segment(const std::string& api_url, int64_t segment_id, const std::string& authorization, int fd);

}  // namespace zc::service
