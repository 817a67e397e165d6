/* LD_PRELOAD fault injection: signalfd() fails as it does when the process is out of file descriptors. The
 * kernel call cannot be made to fail alone otherwise (an fd limit low enough for it breaks the loader first). */
#include <errno.h>
#include <sys/signalfd.h>

int signalfd(int fd, const sigset_t* mask, int flags) {
  (void)fd;
  (void)mask;
  (void)flags;
  errno = EMFILE;
  return -1;
}
