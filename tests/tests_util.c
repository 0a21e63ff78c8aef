/* tests_util.c: process and file helpers for the tests. */
#include "tests_util.h"

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
int tu_leaks(void) { return __lsan_do_recoverable_leak_check(); }
#else
int tu_leaks(void) { return 0; }
#endif

char *tu_read(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  size_t got;
  while (buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
    n += got;
    if (cap - n - 1 == 0) {
      char *nb = realloc(buf, cap * 2);
      if (!nb) { free(buf); buf = NULL; break; }
      buf = nb;
      cap *= 2;
    }
  }
  fclose(f);
  if (!buf) return NULL;
  buf[n] = 0;
  if (len) *len = n;
  return buf;
}

int tu_write(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  size_t n = strlen(text);
  int rc = fwrite(text, 1, n, f) == n ? 0 : -1;
  if (fclose(f) != 0) rc = -1;
  return rc;
}

const char *tu_tmp(const char *tag, const char *ext) {
  static char slots[8][512];
  static unsigned counter;
  char *s = slots[counter % 8];
  snprintf(s, sizeof slots[0], "%s/%s-%ld-%u%s", NMSIM_TEST_TMP, tag, (long)getpid(),
           counter, ext ? ext : "");
  counter++;
  return s;
}

int tu_run(const char *cmdline, char **out, char **errout) {
  const char *o = tu_tmp("stdout", ".txt");
  char opath[512], epath[512];
  snprintf(opath, sizeof opath, "%s", o);
  snprintf(epath, sizeof epath, "%s", tu_tmp("stderr", ".txt"));
  size_t len = strlen(cmdline) + strlen(opath) + strlen(epath) + 32;
  char *full = malloc(len);
  if (!full) return -1;
  snprintf(full, len, "%s >%s 2>%s </dev/null", cmdline, opath, epath);
  int st = system(full);
  free(full);
  if (out) *out = tu_read(opath, NULL);
  if (errout) *errout = tu_read(epath, NULL);
  remove(opath);
  remove(epath);
  if (st == -1 || !WIFEXITED(st)) return -1;
  return WEXITSTATUS(st);
}

const char tu_congested[] =
    "name: congested\nseed: 1\nchip: loihi\nchips: [2, 1]\nsteps: 2\n"
    "populations:\n"
    "  src: {size: 2048, model: poisson, params: {rate: 1000 Hz}}\n"
    "  dst: {size: 1, model: lif}\n"
    "mapping: {place: {dst: {chip: 1}}}\n"
    "projections:\n"
    "  - {from: src, to: dst, connector: all_to_all, weight: 0.001 nA}\n";

void tu_same_h5(const char *what, const char *got, const char *want) {
  char cmd[1100], *out = NULL;
  snprintf(cmd, sizeof cmd, "h5diff --exclude-attribute / %s %s", got, want);
  int rc = tu_run(cmd, &out, NULL);
  cr_assert_eq(rc, 0, "%s: run files differ (h5diff exit %d, expected 0):\n%s", what, rc,
               out ? out : "");
  free(out);
}
