// A real PostgreSQL 15 server for the cluster tests (Debian's postgresql-15, installed by scripts/test): a
// throw-away cluster made with initdb in a temporary directory, listening on 127.0.0.1 on a free port only (and a
// socket in that directory), trust authentication for the role `zcrec`. Run as the `postgres` system user when the
// tests run as root (PostgreSQL refuses root). The destructor stops it and removes everything.
#pragma once

#include <filesystem>
#include <string>

namespace zc::test {

class PostgresServer {
 public:
  PostgresServer();  // initdb + start; throws std::runtime_error with the tool's output when either fails
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // postgresql://zcrec@127.0.0.1:PORT/postgres
  const std::string& url() const { return url_; }
  int port() const { return port_; }
  void stop();   // pg_ctl stop -m fast: clients' connections break, as in an outage
  void start();  // again on the same port and data
  // Runs one query with psql (a real client); returns its unaligned, tuples-only output. Throws on failure.
  std::string query(const std::string& sql) const;

 private:
  std::filesystem::path dir_;
  int port_ = 0;
  std::string url_;
};

}  // namespace zc::test
