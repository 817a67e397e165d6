#include "postgres_server.h"

#include "cli/cli_process.h"
#include "cli/rtsp_camera.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

namespace zc::test {
namespace {

const std::filesystem::path kBin = "/usr/lib/postgresql/15/bin";

// PostgreSQL's tools refuse to run as root: as root, they run as the `postgres` user the package created.
std::vector<std::string> as_postgres(std::vector<std::string> argv) {
  if (::geteuid() == 0) argv.insert(argv.begin(), {"runuser", "-u", "postgres", "--"});
  return argv;
}

void must(const RunResult& r, const std::string& what) {
  if (r.exit_code != 0) throw std::runtime_error(what + " failed (" + std::to_string(r.exit_code) + "): " + r.out + r.err);
}

}  // namespace

PostgresServer::PostgresServer() {
  if (!std::filesystem::exists(kBin / "initdb"))
    throw std::runtime_error("PostgreSQL 15 is not installed (" + (kBin / "initdb").string() + "): run scripts/test");
  std::string pattern = (std::filesystem::temp_directory_path() / "zcrec-pg-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  if (::geteuid() == 0) {
    const passwd* pw = ::getpwnam("postgres");
    if (!pw) throw std::runtime_error("no `postgres` user: is postgresql-15 installed?");
    if (::chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) throw std::runtime_error("chown of the PostgreSQL directory failed");
  }
  must(run(as_postgres({(kBin / "initdb").string(), "-D", (dir_ / "data").string(), "-A", "trust", "-U", "zcrec",
                        "-E", "UTF8", "--no-sync", "--no-instructions"})),
       "initdb");
  port_ = free_local_port();
  url_ = "postgresql://zcrec@127.0.0.1:" + std::to_string(port_) + "/postgres";
  start();
}

PostgresServer::~PostgresServer() {
  run(as_postgres({(kBin / "pg_ctl").string(), "-D", (dir_ / "data").string(), "-m", "immediate", "-w", "stop"}));
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void PostgresServer::start() {
  // fsync off: a test server's data need not survive a power cut, and the machine is shared.
  const std::string options = "-p " + std::to_string(port_) + " -k " + dir_.string() +
                              " -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off";
  must(run(as_postgres({(kBin / "pg_ctl").string(), "-D", (dir_ / "data").string(), "-l", (dir_ / "log").string(),
                        "-o", options, "-w", "-t", "120", "start"})),
       "pg_ctl start (log: " + (dir_ / "log").string() + ")");
}

void PostgresServer::stop() {
  must(run(as_postgres({(kBin / "pg_ctl").string(), "-D", (dir_ / "data").string(), "-m", "fast", "-w", "stop"})),
       "pg_ctl stop");
}

std::string PostgresServer::query(const std::string& sql) const {
  const auto r = run({"psql", url_, "-X", "-v", "ON_ERROR_STOP=1", "-At", "-c", sql});
  must(r, "psql -c \"" + sql + "\"");
  return r.out;
}

}  // namespace zc::test
