// Read-only catalog connections for the HTTP routes that read footage (clip, timeline). Opening one costs
// milliseconds (schema check, WAL setup) — a third of a clip's time to first byte — so connections are kept and
// lent out, one per request at a time (a Catalog is used by one thread at a time). Grows to the number of
// concurrent requests, which cpp-httplib's thread pool bounds.
#pragma once

#include <zc/catalog/catalog.h>

#include <filesystem>
#include <mutex>
#include <optional>
#include <vector>

namespace zc::service::http {

class CatalogPool {
 public:
  // A connection to `dir`'s catalog, returned to the pool when the lease ends.
  class Lease {
   public:
    Lease(CatalogPool& pool, catalog::Catalog c, std::filesystem::path dir)
        : pool_(pool), catalog_(std::move(c)), dir_(std::move(dir)) {}
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() { pool_.give_back(std::move(*catalog_), dir_); }
    const catalog::Catalog& operator*() const { return *catalog_; }

   private:
    CatalogPool& pool_;
    std::optional<catalog::Catalog> catalog_;
    std::filesystem::path dir_;
  };

  // Throws CatalogError (no_catalog before the daemon created it, ...).
  Lease take(const std::filesystem::path& dir) {
    {
      std::lock_guard lock(mutex_);
      if (dir != dir_) {
        idle_.clear();
        dir_ = dir;
      }
      if (!idle_.empty()) {
        catalog::Catalog c = std::move(idle_.back());
        idle_.pop_back();
        return Lease(*this, std::move(c), dir);
      }
    }
    return Lease(*this, catalog::Catalog::open_existing(dir, catalog::Catalog::Access::read_only), dir);
  }

 private:
  void give_back(catalog::Catalog c, const std::filesystem::path& dir) {
    std::lock_guard lock(mutex_);
    if (dir == dir_) idle_.push_back(std::move(c));
  }

  std::mutex mutex_;
  std::filesystem::path dir_;
  std::vector<catalog::Catalog> idle_;
};

}  // namespace zc::service::http
