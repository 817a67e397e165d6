#include <zc/cluster/error.h>
#include <zc/cluster/pg_connection.h>

#include <libpq-fe.h>

#include <cstdlib>
#include <utility>

namespace zc::cluster {
namespace {

std::string trimmed(const char* message) {
  std::string s = message ? message : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

PgResult& PgResult::operator=(PgResult&& o) noexcept {
  if (this != &o) {
    if (r_) PQclear(r_);
    r_ = std::exchange(o.r_, nullptr);
  }
  return *this;
}

PgResult::~PgResult() {
  if (r_) PQclear(r_);
}

int PgResult::rows() const noexcept { return r_ ? PQntuples(r_) : 0; }

std::optional<std::string> PgResult::get(int row, int column) const {
  if (!r_ || row >= PQntuples(r_) || column >= PQnfields(r_) || PQgetisnull(r_, row, column)) return std::nullopt;
  return std::string(PQgetvalue(r_, row, column), static_cast<size_t>(PQgetlength(r_, row, column)));
}

std::string PgResult::text(int row, int column) const { return get(row, column).value_or(""); }

int64_t PgResult::integer(int row, int column) const {
  const auto v = get(row, column);
  return v ? std::strtoll(v->c_str(), nullptr, 10) : 0;
}

int64_t PgResult::affected() const noexcept {
  const char* n = r_ ? PQcmdTuples(r_) : "";
  return *n ? std::strtoll(n, nullptr, 10) : 0;
}

PgConnection PgConnection::connect(const std::string& conninfo, std::chrono::seconds connect_timeout) {
  if (conninfo.empty()) throw ClusterError(ClusterErrc::invalid_argument, "the PostgreSQL connection string is empty");
  const std::string timeout = std::to_string(std::max<int64_t>(1, connect_timeout.count()));
  // Defaults first; the connection string comes last and may override them (expand_dbname: it is a URI or a
  // conninfo, not only a database name). Keepalives: a peer that vanished is seen after ~25 s instead of ~2 h.
  const char* keys[] = {"connect_timeout", "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count",
                        "application_name", "dbname", nullptr};
  const char* values[] = {timeout.c_str(), "1", "10", "5", "3", "zcrec", conninfo.c_str(), nullptr};
  pg_conn* c = PQconnectdbParams(keys, values, 1);
  if (!c) throw ClusterError(ClusterErrc::unreachable, "cannot allocate a PostgreSQL connection");
  if (PQstatus(c) != CONNECTION_OK) {
    const std::string why = trimmed(PQerrorMessage(c));
    const bool auth = why.find("authentication") != std::string::npos || why.find("password") != std::string::npos;
    PQfinish(c);
    throw ClusterError(auth ? ClusterErrc::auth : ClusterErrc::unreachable, "cannot connect to PostgreSQL: " + why);
  }
  // Notices ("relation ... already exists, skipping" from every host's migration) would go to stderr, i.e. into
  // zcrecd's log, as unprefixed lines; errors still reach the caller as exceptions.
  PQsetNoticeProcessor(c, [](void*, const char*) {}, nullptr);
  return PgConnection(c);
}

PgConnection& PgConnection::operator=(PgConnection&& o) noexcept {
  if (this != &o) {
    if (c_) PQfinish(c_);
    c_ = std::exchange(o.c_, nullptr);
  }
  return *this;
}

PgConnection::~PgConnection() {
  if (c_) PQfinish(c_);
}

bool PgConnection::ok() const noexcept { return c_ && PQstatus(c_) == CONNECTION_OK; }

void PgConnection::fail(const std::string& what) const {
  const bool down = !c_ || PQstatus(c_) != CONNECTION_OK;
  throw ClusterError(down ? ClusterErrc::unreachable : ClusterErrc::query,
                     what + ": " + (c_ ? trimmed(PQerrorMessage(c_)) : std::string("no connection")));
}

void PgConnection::check_result(pg_result* raw, bool tuples_allowed) const {
  const auto st = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || (tuples_allowed && st == PGRES_TUPLES_OK)) return;
  const std::string msg = raw ? trimmed(PQresultErrorMessage(raw)) : std::string();
  const bool down = PQstatus(c_) != CONNECTION_OK;
  throw ClusterError(down ? ClusterErrc::unreachable : ClusterErrc::query,
                     "PostgreSQL: " + (msg.empty() ? trimmed(PQerrorMessage(c_)) : msg));
}

PgResult PgConnection::exec(const std::string& sql, const std::vector<std::optional<std::string>>& params) {
  if (!c_) fail("PostgreSQL");
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  pg_result* raw = PQexecParams(c_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                                nullptr, 0);
  PgResult r(raw);  // owns it from here, also when this throws
  check_result(raw, true);
  return r;
}

void PgConnection::exec_script(const std::string& sql) {
  if (!c_) fail("PostgreSQL");
  pg_result* raw = PQexec(c_, sql.c_str());
  PgResult r(raw);
  check_result(raw, false);
}

void PgConnection::rollback_quietly() noexcept {
  if (!ok()) return;
  try {
    exec("ROLLBACK");
  } catch (const ClusterError&) {
  }
}

void PgConnection::copy_in(const std::string& copy_statement, const std::string& data) {
  if (!c_) fail("PostgreSQL");
  {
    pg_result* raw = PQexec(c_, copy_statement.c_str());
    PgResult start(raw);
    if (!raw || PQresultStatus(raw) != PGRES_COPY_IN) fail("COPY");
  }
  if (PQputCopyData(c_, data.data(), static_cast<int>(data.size())) != 1) fail("COPY");
  if (PQputCopyEnd(c_, nullptr) != 1) fail("COPY");
  for (;;) {
    pg_result* r = PQgetResult(c_);
    if (!r) break;
    const auto st = PQresultStatus(r);
    const std::string msg = trimmed(PQresultErrorMessage(r));
    PQclear(r);
    if (st != PGRES_COMMAND_OK) {
      const bool down = PQstatus(c_) != CONNECTION_OK;
      throw ClusterError(down ? ClusterErrc::unreachable : ClusterErrc::query, "PostgreSQL COPY: " + msg);
    }
  }
}

}  // namespace zc::cluster
