#include "sqlite_db.h"

#include <zc/catalog/error.h>

#include <sqlite3.h>

#include <chrono>
#include <thread>

namespace zc::catalog::sqlite {
namespace {

// busy_timeout covers most waits inside SQLite; this outer budget covers the cases SQLite returns BUSY at once
// (a BEGIN IMMEDIATE racing a WAL checkpoint, or a deadlock-avoidance BUSY).
constexpr auto kBusyBudget = std::chrono::seconds(60);
constexpr int kBusyTimeoutMs = 10'000;

[[noreturn]] void fail(sqlite3* db, int rc, std::string_view what) {
  const char* msg = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  const int primary = rc & 0xff;
  const CatalogErrc code = primary == SQLITE_BUSY || primary == SQLITE_LOCKED ? CatalogErrc::catalog_busy
                            : primary == SQLITE_FULL                          ? CatalogErrc::no_space
                                                                              : CatalogErrc::catalog;
  throw CatalogError(code, "catalog: " + std::string(what) + ": " + msg);
}

bool is_busy(int rc) { return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED; }

template <class F>
int retry_busy(F&& f) {
  const auto deadline = std::chrono::steady_clock::now() + kBusyBudget;
  auto pause = std::chrono::milliseconds(1);
  for (;;) {
    const int rc = f();
    if (!is_busy(rc) || std::chrono::steady_clock::now() > deadline) return rc;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
}

}  // namespace

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
  const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                    &stmt_, nullptr);
  if (rc != SQLITE_OK) fail(db, rc, "prepare " + std::string(sql.substr(0, 60)));
}

Statement& Statement::operator=(Statement&& o) noexcept {
  if (this != &o) {
    sqlite3_finalize(stmt_);
    db_ = o.db_;
    stmt_ = o.stmt_;
    o.stmt_ = nullptr;
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}
Statement& Statement::bind(int index, const std::string& value) {
  sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::bind(int index, std::span<const uint8_t> blob) {
  sqlite3_bind_blob(stmt_, index, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::bind(int index, std::optional<int64_t> value) {
  return value ? bind(index, *value) : bind_null(index);
}
Statement& Statement::bind_real(int index, std::optional<double> value) {
  if (!value) return bind_null(index);
  sqlite3_bind_double(stmt_, index, *value);
  return *this;
}
Statement& Statement::bind_null(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

bool Statement::step() {
  const int rc = retry_busy([&] {
    const int r = sqlite3_step(stmt_);
    if (is_busy(r)) sqlite3_reset(stmt_);
    return r;
  });
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  const std::string sql = sqlite3_sql(stmt_) != nullptr ? sqlite3_sql(stmt_) : "";
  sqlite3_reset(stmt_);
  fail(db_, rc, sql.substr(0, 60));
}

void Statement::run() {
  try {
    while (step()) {
    }
  } catch (...) {
    reset();
    throw;
  }
  reset();
}

void Statement::reset() noexcept {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int64_t Statement::int64(int column) const { return sqlite3_column_int64(stmt_, column); }
std::optional<int64_t> Statement::optional_int64(int column) const {
  if (sqlite3_column_type(stmt_, column) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_int64(stmt_, column);
}
std::optional<double> Statement::optional_real(int column) const {
  if (sqlite3_column_type(stmt_, column) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_double(stmt_, column);
}
std::string Statement::text(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  return p != nullptr ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(stmt_, column)) : "";
}
std::vector<uint8_t> Statement::blob(int column) const {
  const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, column));
  return p != nullptr ? std::vector<uint8_t>(p, p + sqlite3_column_bytes(stmt_, column)) : std::vector<uint8_t>{};
}

Connection::Connection(const std::string& path, OpenMode mode) {
  const int flags = mode == OpenMode::read_only ? SQLITE_OPEN_READONLY
                    : mode == OpenMode::existing ? SQLITE_OPEN_READWRITE
                                                 : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  const int rc = sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    const std::string msg = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw CatalogError(CatalogErrc::catalog, "catalog: cannot open " + path + ": " + msg);
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
}

Connection& Connection::operator=(Connection&& o) noexcept {
  if (this != &o) {
    sqlite3_close_v2(db_);
    db_ = o.db_;
    o.db_ = nullptr;
  }
  return *this;
}

Connection::~Connection() { sqlite3_close_v2(db_); }

void Connection::exec(const std::string& sql) {
  char* err = nullptr;
  const int rc = retry_busy([&] {
    sqlite3_free(err);
    err = nullptr;
    return sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  });
  if (rc != SQLITE_OK) {
    const std::string msg = err != nullptr ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    const int primary = rc & 0xff;
    throw CatalogError(primary == SQLITE_FULL ? CatalogErrc::no_space
                        : is_busy(rc)          ? CatalogErrc::catalog_busy
                                               : CatalogErrc::catalog,
                        "catalog: " + msg);
  }
}

int64_t Connection::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
int Connection::changes() const { return sqlite3_changes(db_); }

Transaction::Transaction(Connection& c) : conn_(c) { conn_.exec("BEGIN IMMEDIATE"); }

Transaction::~Transaction() {
  if (!done_) sqlite3_exec(conn_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
  conn_.exec("COMMIT");
  done_ = true;
}

ReadTransaction::ReadTransaction(Connection& c) : conn_(c) { conn_.exec("BEGIN DEFERRED"); }

ReadTransaction::~ReadTransaction() { sqlite3_exec(conn_.get(), "COMMIT", nullptr, nullptr, nullptr); }

}  // namespace zc::catalog::sqlite
