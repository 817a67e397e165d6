// A real S3 endpoint for a test: s3rver (npm, pinned in scripts/lib/common.sh, installed by scripts/test into
// ZC_S3RVER_PREFIX) on 127.0.0.1, on a port the kernel picked, with its files in a directory of the test's.
// s3rver does not verify SigV4 signatures (it checks only that the access key exists: S3RVER/S3RVER); the
// signing is tested against AWS's published vectors (tests/objectstore/sigv4_test.cpp), the transport here.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "support/child_process.h"

namespace zc::test {

class S3rver {
 public:
  static constexpr const char* kAccessKey = "S3RVER";  // the account s3rver knows
  static constexpr const char* kSecretKey = "S3RVER";

  // Starts it and waits (bounded) for "listening PORT". Throws std::runtime_error with the way to install it
  // when s3rver is not installed.
  // port 0: one the kernel picks; another: that one (to bring a killed store back where it was).
  S3rver(const std::filesystem::path& dir, const std::vector<std::string>& buckets, int port = 0);
  S3rver(S3rver&&) = default;
  ~S3rver() = default;

  int port() const { return port_; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const std::filesystem::path& dir() const { return dir_; }
  ChildProcess& process() { return process_; }
  // SIGKILLs it (a dead store).
  void kill();

 private:
  std::filesystem::path dir_;
  ChildProcess process_;
  int port_ = 0;
};

// Where s3rver is installed: $ZC_S3RVER_PREFIX, else the build's default (the cache directory of scripts/test).
std::filesystem::path s3rver_prefix();

}  // namespace zc::test
