#include <zc/catalog/error.h>

#include <cerrno>
#include <cstring>

namespace zc::catalog {

const char* to_string(CatalogErrc code) noexcept {
  switch (code) {
    case CatalogErrc::invalid_argument: return "invalid_argument";
    case CatalogErrc::catalog: return "catalog";
    case CatalogErrc::catalog_busy: return "catalog_busy";
    case CatalogErrc::catalog_too_new: return "catalog_too_new";
    case CatalogErrc::no_space: return "no_space";
    case CatalogErrc::io: return "io";
    case CatalogErrc::no_catalog: return "no_catalog";
    case CatalogErrc::not_found: return "not_found";
    case CatalogErrc::not_open: return "not_open";
  }
  return "unknown";
}

void throw_io_error(const std::string& what, int err) {
  const bool full = err == ENOSPC || err == EDQUOT;
  throw CatalogError(full ? CatalogErrc::no_space : CatalogErrc::io, what + ": " + std::strerror(err));
}

}  // namespace zc::catalog
