// One connection to the cluster's PostgreSQL server through libpq (docs/cluster.md), move-only. libpq's types stay
// out of this header. The connection string (a libpq URI or key=value conninfo) may hold a password: it is never
// logged and never part of an error message.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

struct pg_conn;    // libpq's PGconn
struct pg_result;  // libpq's PGresult

namespace zc::cluster {

// A statement's result rows, as text (PostgreSQL's text output format); move-only.
class PgResult {
 public:
  explicit PgResult(pg_result* r) noexcept : r_(r) {}
  PgResult(PgResult&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
  PgResult& operator=(PgResult&& o) noexcept;
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;
  ~PgResult();

  int rows() const noexcept;
  std::optional<std::string> get(int row, int column) const;  // nullopt for SQL NULL
  std::string text(int row, int column) const;                // "" for NULL
  int64_t integer(int row, int column) const;                 // 0 for NULL
  int64_t affected() const noexcept;                          // INSERT/UPDATE/DELETE: rows affected

 private:
  pg_result* r_ = nullptr;
};

class PgConnection;

// Runs f() between BEGIN and COMMIT; when anything throws, rolls back and rethrows: a publish or a migration
// that fails half way changes nothing.
template <typename F>
auto in_transaction(PgConnection& pg, F&& f) -> decltype(f());

class PgConnection {
 public:
  // Connects with a bounded wait (connect_timeout) and TCP keepalives, so that a server that vanishes is noticed
  // within seconds, not hours. Throws ClusterError: unreachable, auth, invalid_argument (empty string).
  static PgConnection connect(const std::string& conninfo, std::chrono::seconds connect_timeout = std::chrono::seconds(5));

  PgConnection(PgConnection&& o) noexcept : c_(o.c_) { o.c_ = nullptr; }
  PgConnection& operator=(PgConnection&& o) noexcept;
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;
  ~PgConnection();

  // Runs one statement with text parameters $1, $2, ... (nullopt = NULL). Throws ClusterError: unreachable when
  // the connection broke, query otherwise (with PostgreSQL's message).
  PgResult exec(const std::string& sql, const std::vector<std::optional<std::string>>& params = {});
  // Several statements separated by semicolons, no parameters (a schema file). Throws like exec().
  void exec_script(const std::string& sql);
  // `COPY table (columns) FROM STDIN` with `data` in COPY's text format (copy_text.h). Throws like exec().
  void copy_in(const std::string& copy_statement, const std::string& data);
  bool ok() const noexcept;  // the connection is still up

  // After a failure inside a transaction: ROLLBACK when the connection is still up, never throwing.
  void rollback_quietly() noexcept;

 private:
  explicit PgConnection(pg_conn* c) noexcept : c_(c) {}
  [[noreturn]] void fail(const std::string& what) const;
  void check_result(pg_result* raw, bool tuples_allowed) const;
  pg_conn* c_ = nullptr;
};

template <typename F>
auto in_transaction(PgConnection& pg, F&& f) -> decltype(f()) {
  pg.exec("BEGIN");
  try {
    if constexpr (std::is_void_v<decltype(f())>) {
      f();
      pg.exec("COMMIT");
    } else {
      auto result = f();
      pg.exec("COMMIT");
      return result;
    }
  } catch (...) {
    pg.rollback_quietly();
    throw;
  }
}

}  // namespace zc::cluster
