// The real zcrecd binary under test: a config written to a temp dir with a unique ring prefix, the daemon
// started with it, its API address read from its stdout, a real HTTP client (cpp-httplib) to talk to it, and
// the catalog it writes read through zc::catalog. The destructor stops the daemon (SIGTERM, then SIGKILL) and
// kills any ingest process it left (they live in sessions of their own, so a SIGKILLed daemon leaves them).
#pragma once

#include "support/child_process.h"

#include <zc/catalog/catalog.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace zc::test {

inline const std::string kZcrecd = ZCRECD_BIN;

// RFC 3339 with all nine fractional digits (units::format_wall gives milliseconds): a query that names the exact
// nanosecond of a frame.
std::string rfc3339(int64_t wall_ns);

struct HttpReply {
  int status = 0;  // 0: no answer (connection refused, timeout)
  nlohmann::json body;
};

class ZcrecdProcess {
 public:
  // `cameras_yaml` is the `cameras:` mapping's body (indented by 2); the storage dir, the API on a free port and
  // a unique ring prefix are filled in. extra_top_yaml is appended at top level.
  // api_token: the api.token the daemon requires (empty: none).
  ZcrecdProcess(const std::filesystem::path& dir, const std::string& cameras_yaml, const std::string& extra_top_yaml = "",
                const std::string& api_token = "");
  ~ZcrecdProcess();

  // (Re)starts the daemon on the current config file; waits for its "listening" line.
  void start(std::chrono::milliseconds timeout = std::chrono::seconds(20));
  void kill(int signal);
  std::optional<int> wait(std::chrono::milliseconds timeout);
  pid_t pid() const { return process_ ? process_->pid() : -1; }
  int port() const { return port_; }  // the API's, on 127.0.0.1
  // From the next start() on, the daemon's stderr (its log) is appended to `file` instead of the test's stderr.
  void log_to(const std::filesystem::path& file) { log_file_ = file; }

  void rewrite_config(const std::string& cameras_yaml, const std::string& extra_top_yaml = "");
  // More keys of the `storage:` mapping (e.g. "retention_interval: 1s") for the next rewrite_config().
  void set_storage_options(const std::string& keys) { storage_options_ = keys; }
  const std::filesystem::path& config_file() const { return config_; }
  const std::filesystem::path& storage_dir() const { return storage_; }
  std::string ring(const std::string& camera) const { return prefix_ + camera; }

  HttpReply get(const std::string& path);
  HttpReply post(const std::string& path, const nlohmann::json& body);
  // GET /api/v1/cameras, the one named.
  nlohmann::json camera(const std::string& name);
  // Polls `pred` every 100 ms until true or the timeout passes.
  static bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout);

  // Every live `zcrec feed` of this daemon's rings (its unique prefix), found in /proc: (pid, ring).
  std::vector<std::pair<pid_t, std::string>> ingest_processes() const;
  // The pids of the live `zcrec feed` processes of one camera's ring.
  std::vector<pid_t> ingest_pids(const std::string& camera) const;

  catalog::Catalog catalog() const { return catalog::Catalog::open_existing(storage_, catalog::Catalog::Access::read_only); }

 private:
  std::string compose(const std::string& cameras_yaml, const std::string& extra_top_yaml) const;
  void kill_ingest() const;

  std::filesystem::path dir_, config_, storage_;
  std::string prefix_;
  std::string token_;
  std::string storage_options_;
  int port_ = 0;
  std::filesystem::path log_file_;
  std::vector<std::string> cameras_;  // names seen in any config, for cleanup
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace zc::test
