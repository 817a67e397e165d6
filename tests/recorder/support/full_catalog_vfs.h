// A seam for disk-full tests that need no root: a SQLite VFS, registered as the process's default while the
// object lives, that forwards everything to the real one but answers every write with SQLITE_FULL while
// set_full(true) — what SQLite itself returns when the catalog's filesystem has no block left (and its space
// reserve is used up). Only the catalog is affected; segment files are written as usual.
#pragma once

struct sqlite3_vfs;

namespace zc::test {

class FullCatalogVfs {
 public:
  FullCatalogVfs();
  ~FullCatalogVfs();
  FullCatalogVfs(const FullCatalogVfs&) = delete;
  FullCatalogVfs& operator=(const FullCatalogVfs&) = delete;
  void set_full(bool full);
  // Writes refused since construction.
  long refused_writes() const;
};

}  // namespace zc::test
