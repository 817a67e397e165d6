#include <zc/cluster/error.h>

namespace zc::cluster {

const char* to_string(ClusterErrc code) noexcept {
  switch (code) {
    case ClusterErrc::invalid_argument: return "invalid_argument";
    case ClusterErrc::unreachable: return "unreachable";
    case ClusterErrc::auth: return "auth";
    case ClusterErrc::too_new: return "too_new";
    case ClusterErrc::query: return "query";
  }
  return "unknown";
}

}  // namespace zc::cluster
