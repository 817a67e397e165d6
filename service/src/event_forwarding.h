// Events posted to a host that does not record the camera go to the host that holds its lease (docs/cluster.md,
// "Events on any host"): the request's JSON body and Authorization header are posted to that host's API as they
// came (the hosts of a cluster share the API token), marked so that it is never forwarded again. Only this file
// sees cpp-httplib (a library of its own in CMake).
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

}  // namespace zc::service
