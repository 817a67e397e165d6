#include "recorder/support/full_catalog_vfs.h"

#include <sqlite3.h>

#include <atomic>
#include <stdexcept>

namespace zc::test {
namespace {

// SQLite calls these through plain function pointers: the switch has to be reachable without a context
// argument, so it lives here for the one FullCatalogVfs that may exist at a time.
std::atomic<bool> g_full{false};
std::atomic<long> g_refused{0};
sqlite3_vfs* g_real = nullptr;
sqlite3_vfs g_vfs{};

struct File {
  sqlite3_file base;
  sqlite3_file* real;  // lives right after this struct (szOsFile covers both)
};
sqlite3_file* real(sqlite3_file* f) { return reinterpret_cast<File*>(f)->real; }

int x_close(sqlite3_file* f) { return real(f)->pMethods->xClose(real(f)); }
int x_read(sqlite3_file* f, void* b, int n, sqlite3_int64 o) { return real(f)->pMethods->xRead(real(f), b, n, o); }
int x_write(sqlite3_file* f, const void* b, int n, sqlite3_int64 o) {
  if (g_full.load()) {
    ++g_refused;
    return SQLITE_FULL;
  }
  return real(f)->pMethods->xWrite(real(f), b, n, o);
}
int x_truncate(sqlite3_file* f, sqlite3_int64 s) { return real(f)->pMethods->xTruncate(real(f), s); }
int x_sync(sqlite3_file* f, int fl) { return real(f)->pMethods->xSync(real(f), fl); }
int x_size(sqlite3_file* f, sqlite3_int64* s) { return real(f)->pMethods->xFileSize(real(f), s); }
int x_lock(sqlite3_file* f, int l) { return real(f)->pMethods->xLock(real(f), l); }
int x_unlock(sqlite3_file* f, int l) { return real(f)->pMethods->xUnlock(real(f), l); }
int x_check(sqlite3_file* f, int* r) { return real(f)->pMethods->xCheckReservedLock(real(f), r); }
int x_control(sqlite3_file* f, int op, void* a) { return real(f)->pMethods->xFileControl(real(f), op, a); }
int x_sector(sqlite3_file* f) { return real(f)->pMethods->xSectorSize(real(f)); }
int x_dev(sqlite3_file* f) { return real(f)->pMethods->xDeviceCharacteristics(real(f)); }
int x_shm_map(sqlite3_file* f, int i, int sz, int ext, void volatile** p) {
  return real(f)->pMethods->xShmMap(real(f), i, sz, ext, p);
}
int x_shm_lock(sqlite3_file* f, int o, int n, int fl) { return real(f)->pMethods->xShmLock(real(f), o, n, fl); }
void x_shm_barrier(sqlite3_file* f) { real(f)->pMethods->xShmBarrier(real(f)); }
int x_shm_unmap(sqlite3_file* f, int d) { return real(f)->pMethods->xShmUnmap(real(f), d); }
int x_fetch(sqlite3_file* f, sqlite3_int64 o, int n, void** p) { return real(f)->pMethods->xFetch(real(f), o, n, p); }
int x_unfetch(sqlite3_file* f, sqlite3_int64 o, void* p) { return real(f)->pMethods->xUnfetch(real(f), o, p); }

const sqlite3_io_methods kMethods = {3,        x_close,   x_read,    x_write,   x_truncate,    x_sync,
                                     x_size,   x_lock,    x_unlock,  x_check,   x_control,     x_sector,
                                     x_dev,    x_shm_map, x_shm_lock, x_shm_barrier, x_shm_unmap, x_fetch,
                                     x_unfetch};

int x_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out) {
  auto* w = reinterpret_cast<File*>(f);
  w->real = reinterpret_cast<sqlite3_file*>(w + 1);
  w->base.pMethods = nullptr;
  const int rc = g_real->xOpen(g_real, name, w->real, flags, out);
  if (w->real->pMethods != nullptr) w->base.pMethods = &kMethods;
  return rc;
}
int x_delete(sqlite3_vfs*, const char* n, int s) { return g_real->xDelete(g_real, n, s); }
int x_access(sqlite3_vfs*, const char* n, int fl, int* r) { return g_real->xAccess(g_real, n, fl, r); }
int x_full(sqlite3_vfs*, const char* n, int sz, char* out) { return g_real->xFullPathname(g_real, n, sz, out); }

}  // namespace

FullCatalogVfs::FullCatalogVfs() {
  if (g_real != nullptr) throw std::logic_error("one FullCatalogVfs at a time");
  g_real = sqlite3_vfs_find(nullptr);
  g_vfs = *g_real;
  g_vfs.zName = "zc_full_catalog";
  g_vfs.szOsFile = static_cast<int>(sizeof(File)) + g_real->szOsFile;
  g_vfs.pNext = nullptr;
  g_vfs.xOpen = x_open;
  g_vfs.xDelete = x_delete;
  g_vfs.xAccess = x_access;
  g_vfs.xFullPathname = x_full;
  g_full = false;
  g_refused = 0;
  sqlite3_vfs_register(&g_vfs, 1);
}

FullCatalogVfs::~FullCatalogVfs() {
  sqlite3_vfs_unregister(&g_vfs);
  sqlite3_vfs_register(g_real, 1);
  g_real = nullptr;
}

void FullCatalogVfs::set_full(bool full) { g_full = full; }
long FullCatalogVfs::refused_writes() const { return g_refused.load(); }

}  // namespace zc::test
