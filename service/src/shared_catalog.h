// The daemon's own catalog connection, shared by the API threads and the cameras' recording threads for their
// short writes (event rows). One connection behind a mutex rather than one per thread: the writes are a few
// rows a second at most, and SQLite serialises writers anyway. The recorders keep their own connections.
#pragma once

#include <zc/catalog/catalog.h>

#include <mutex>
#include <utility>

namespace zc::service {

class SharedCatalog {
 public:
  explicit SharedCatalog(catalog::Catalog c) : catalog_(std::move(c)) {}

  template <class Fn>
  auto with(Fn&& fn) {
    std::lock_guard lock(mutex_);
    return fn(catalog_);
  }

 private:
  std::mutex mutex_;
  catalog::Catalog catalog_;
};

}  // namespace zc::service
