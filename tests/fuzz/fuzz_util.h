/* fuzz_util.h: helpers shared by the libFuzzer harnesses: a NUL-terminated
 * copy of the input, one temporary file per process (made with mkstemp once
 * and rewritten for each input), a /dev/null stream for the printers, and a
 * guard against inputs that name device or process files (whose content is not
 * the input's: the harnesses must stay deterministic). Header-only. */
#ifndef NMSIM_FUZZ_UTIL_H
#define NMSIM_FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* data as a NUL-terminated string (malloc'd; free it). */
static inline char *fz_text(const uint8_t *data, size_t size) {
  char *s = malloc(size + 1);
  if (!s) abort();
  if (size) memcpy(s, data, size);
  s[size] = 0;
  return s;
}

/* Remove path+ext (SQLite's -wal, -shm and -journal files beside the db). */
static inline void fz_unlink_beside(const char *path, const char *ext) {
  char p[96];
  snprintf(p, sizeof p, "%s%s", path, ext);
  unlink(p);
}

/* The path of this process's temporary file (/tmp/nmsim-fuzz-TAG-XXXXXX), made
 * once and removed at exit. */
static char fz_path[64];
static inline void fz_remove_tmp(void) {
  unlink(fz_path);
  fz_unlink_beside(fz_path, "-wal");
  fz_unlink_beside(fz_path, "-shm");
  fz_unlink_beside(fz_path, "-journal");
}
static inline const char *fz_tmp_path(const char *tag) {
  if (!fz_path[0]) {
    snprintf(fz_path, sizeof fz_path, "/tmp/nmsim-fuzz-%s-XXXXXX", tag);
    int fd = mkstemp(fz_path);
    if (fd < 0) abort();
    close(fd);
    atexit(fz_remove_tmp);
  }
  return fz_path;
}

/* Write data to the temporary file (truncating it); returns its path. */
static inline const char *fz_write_tmp(const uint8_t *data, size_t size, const char *tag) {
  const char *path = fz_tmp_path(tag);
  fz_unlink_beside(path, "-wal");
  fz_unlink_beside(path, "-shm");
  fz_unlink_beside(path, "-journal");
  FILE *f = fopen(path, "wb");
  if (!f) abort();
  if (size && fwrite(data, 1, size, f) != size) abort();
  if (fclose(f)) abort();
  return path;
}

/* A stream the printers write to, opened once. */
static inline FILE *fz_null(void) {
  static FILE *f;
  if (!f && !(f = fopen("/dev/null", "w"))) abort();
  return f;
}

/* True if the text names a file whose content is not fixed by the input
 * (devices, /proc, /sys): such inputs are skipped. */
static inline int fz_names_special(const char *s) {
  return strstr(s, "/dev") || strstr(s, "/proc") || strstr(s, "/sys") || strstr(s, "/run");
}

#endif
