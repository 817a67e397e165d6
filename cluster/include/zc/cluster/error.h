// Errors of the cluster domain: the PostgreSQL cluster catalog (docs/cluster.md).
#pragma once

#include <stdexcept>
#include <string>

namespace zc::cluster {

enum class ClusterErrc {
  invalid_argument,  // a bad host name, an empty connection string
  unreachable,       // the server cannot be reached or the connection broke (retry later: nothing was lost)
  auth,              // the server refused the credentials
  too_new,           // the database holds a newer cluster schema than this zcrec knows
  query,             // a statement failed; the message carries PostgreSQL's text
};

const char* to_string(ClusterErrc code) noexcept;

class ClusterError : public std::runtime_error {
 public:
  ClusterError(ClusterErrc code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ClusterErrc code() const noexcept { return code_; }

 private:
  ClusterErrc code_;
};

}  // namespace zc::cluster
