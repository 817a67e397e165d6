// Move-only owners of a SQLite connection and its prepared statements, and a transaction guard that rolls
// back unless committed. Writers use BEGIN IMMEDIATE and retry while another process holds the write lock,
// so SQLITE_BUSY never escapes as "database is locked".
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace zc::catalog::sqlite {

class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, std::string_view sql);
  Statement(Statement&& o) noexcept : db_(o.db_), stmt_(o.stmt_) { o.stmt_ = nullptr; }
  Statement& operator=(Statement&& o) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Binders take 1-based indices, like SQLite.
  Statement& bind(int index, int64_t value);
  Statement& bind(int index, const std::string& value);
  Statement& bind(int index, std::span<const uint8_t> blob);
  Statement& bind(int index, std::optional<int64_t> value);
  // Named apart from bind(): an int argument would otherwise be ambiguous between int64_t and double.
  Statement& bind_real(int index, std::optional<double> value);
  Statement& bind_null(int index);

  // Steps once: true when a row is available. Throws CatalogError on failure (busy included).
  bool step();
  // Steps to completion, then resets.
  void run();
  // Resets and clears bindings so the statement can be reused.
  void reset() noexcept;

  int64_t int64(int column) const;
  std::optional<int64_t> optional_int64(int column) const;
  std::optional<double> optional_real(int column) const;
  std::string text(int column) const;
  std::vector<uint8_t> blob(int column) const;

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

enum class OpenMode {
  create,     // read-write, creating the file if it is missing
  existing,   // read-write, the file must exist
  read_only,  // the file must exist; nothing is ever written
};

class Connection {
 public:
  explicit Connection(const std::string& path, OpenMode mode = OpenMode::create);
  Connection(Connection&& o) noexcept : db_(o.db_) { o.db_ = nullptr; }
  Connection& operator=(Connection&& o) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  sqlite3* get() const noexcept { return db_; }
  void exec(const std::string& sql);  // for schema scripts and pragmas
  int64_t last_insert_rowid() const;
  int changes() const;

 private:
  sqlite3* db_ = nullptr;
};

// BEGIN IMMEDIATE on construction (retrying while busy); ROLLBACK on destruction unless commit() ran.
class Transaction {
 public:
  explicit Transaction(Connection& c);
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();
  void commit();

 private:
  Connection& conn_;
  bool done_ = false;
};

// A deferred BEGIN for readers: the statements run until destruction see one snapshot (a count and its page
// agree). Ends with COMMIT, which for a reader only releases the snapshot.
class ReadTransaction {
 public:
  explicit ReadTransaction(Connection& c);
  ReadTransaction(const ReadTransaction&) = delete;
  ReadTransaction& operator=(const ReadTransaction&) = delete;
  ~ReadTransaction();

 private:
  Connection& conn_;
};

}  // namespace zc::catalog::sqlite
