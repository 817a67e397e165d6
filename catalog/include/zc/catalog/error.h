// Errors of the catalog domain: the SQLite catalog and the storage directory's files (locks, fsyncs, deletes).
#pragma once

#include <stdexcept>
#include <string>

namespace zc::catalog {

enum class CatalogErrc {
  invalid_argument,  // a row that breaks the schema's rules (unknown stream, negative duration, ...)
  catalog,           // SQLite failed (corrupt file, I/O error); the message carries SQLite's text
  catalog_busy,      // another process held the catalog longer than every retry allowed
  catalog_too_new,   // the catalog was written by a newer zcrec (schema version above ours)
  no_space,          // the storage filesystem is full (ENOSPC/EDQUOT, SQLITE_FULL)
  io,                // another file-system call failed; message carries errno text
  no_catalog,        // the storage directory or its catalog.db does not exist (a mistyped --dir)
  not_found,         // no row with that id (event, recording): an API answers 404
  not_open,          // the event has already ended: an API answers 409
};

const char* to_string(CatalogErrc code) noexcept;

class CatalogError : public std::runtime_error {
 public:
  CatalogError(CatalogErrc code, const std::string& message) : std::runtime_error(message), code_(code) {}
  CatalogErrc code() const noexcept { return code_; }

 private:
  CatalogErrc code_;
};

// Throws CatalogError(no_space) for ENOSPC/EDQUOT and CatalogError(io) otherwise: "what: strerror(err)".
[[noreturn]] void throw_io_error(const std::string& what, int err);

}  // namespace zc::catalog
