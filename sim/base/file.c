/* file.c: whole text files read into memory (see file.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sim/base/file.h"

nmsim_status nm_read_text(const char *path, size_t max, char **out, nmsim_err *err) {
  FILE *f = fopen(path, "rb");
  if (!f) return NMSIM_ERR(err, NMSIM_EIO, "%s: %s", path, strerror(errno));
  size_t cap = 0, n = 0;
  char *buf = NULL;
  nmsim_status rc = NMSIM_OK;
  for (;;) {
    if (n > max) {
      rc = NMSIM_ERR(err, NMSIM_EINPUT, "%s: larger than %zu MiB: not a scenario or chip file",
                     path, max >> 20);
      break;
    }
    if (nm_grow((void **)&buf, &cap, n + 4096, 1) != NMSIM_OK) {
      rc = NMSIM_ENOMEM_ERR(err);
      break;
    }
    size_t got = fread(buf + n, 1, cap - n - 1, f);
    n += got;
    if (got == 0) {
      if (ferror(f)) rc = NMSIM_ERR(err, NMSIM_EIO, "%s: %s", path, strerror(errno));
      break;
    }
  }
  fclose(f);
  if (rc != NMSIM_OK) {
    nm_free(buf);
    return rc;
  }
  buf[n] = 0;
  const char *z = memchr(buf, 0, n);
  if (z) {
    /* a NUL would end the text early, silently */
    int line = 1, col = 1;
    for (const char *p = buf; p < z; p++)
      if (*p == '\n') line++, col = 1;
      else col++;
    nm_free(buf);
    return NMSIM_ERR(err, NMSIM_EINPUT, "%s:%d:%d: a NUL byte: not a text file", path, line, col);
  }
  *out = buf;
  return NMSIM_OK;
}

char *nm_path_stem(const char *path) {
  const char *b = strrchr(path, '/');
  b = b ? b + 1 : path;
  const char *dot = strrchr(b, '.');
  size_t n = dot && dot != b ? (size_t)(dot - b) : strlen(b);
  char *s = nm_malloc(n + 1);
  if (s) memcpy(s, b, n), s[n] = 0;
  return s;
}

bool nm_fd_write_all(int fd, const void *p, size_t n) {
  const char *c = p;
  while (n) {
    ssize_t k = write(fd, c, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    c += k, n -= (size_t)k;
  }
  return true;
}

bool nm_fd_read_all(int fd, void *p, size_t n) {
  char *c = p;
  while (n) {
    ssize_t k = read(fd, c, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    c += k, n -= (size_t)k;
  }
  return true;
}
