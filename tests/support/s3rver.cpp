#include "support/s3rver.h"

#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <stdexcept>

namespace zc::test {
namespace {

ChildProcess start(const std::filesystem::path& dir, const std::vector<std::string>& buckets, int port) {
  const auto prefix = s3rver_prefix();
  if (!std::filesystem::exists(prefix / "node_modules" / "s3rver" / "package.json")) {
    throw std::runtime_error("s3rver is not installed in " + prefix.string() +
                             ": run scripts/test, or `source scripts/lib/common.sh && zc_install_s3rver`");
  }
  std::filesystem::create_directories(dir);
  std::vector<std::string> argv{"/usr/bin/node", ZC_S3RVER_SCRIPT, prefix.string(), dir.string(), std::to_string(port)};
  argv.insert(argv.end(), buckets.begin(), buckets.end());
  return ChildProcess::spawn(argv);
}

}  // namespace

std::filesystem::path s3rver_prefix() {
  const char* env = std::getenv("ZC_S3RVER_PREFIX");
  return env && *env ? std::filesystem::path(env) : std::filesystem::path(ZC_S3RVER_PREFIX);
}

S3rver::S3rver(const std::filesystem::path& dir, const std::vector<std::string>& buckets, int port)
    : dir_(dir), process_(start(dir, buckets, port)) {
  using namespace std::chrono_literals;
  // node starts in ~0.3 s; 30 s is the bound for a loaded machine, not an expected wait.
  const auto line = process_.read_line(30s);
  if (!line || line->rfind("listening ", 0) != 0) {
    throw std::runtime_error("s3rver did not start (stdout: " + line.value_or("<nothing>") + ")");
  }
  port_ = std::stoi(line->substr(10));
}

void S3rver::kill() { process_.kill(SIGKILL), process_.wait(std::chrono::seconds(10)); }

}  // namespace zc::test
