/* alloc.c: the allocation hook every nmsim allocation goes through. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/base/sim_int.h"

static nm_allocator g_alloc = {malloc, realloc, calloc, free};

void nmsim_set_allocator(const nm_allocator *a) {
  if (a) g_alloc = *a;
  else g_alloc = (nm_allocator){malloc, realloc, calloc, free};
}

/* The size of this thread's last request that failed, for the message of
 * the error that follows it (0: none yet). */
static _Thread_local double g_failed_bytes;

static void *noted(void *p, double bytes) {
  if (!p) g_failed_bytes = bytes;
  return p;
}

void *nm_malloc(size_t n) { return noted(g_alloc.malloc_fn(n ? n : 1), (double)n); }
void *nm_calloc(size_t count, size_t size) {
  return noted(g_alloc.calloc_fn(count ? count : 1, size ? size : 1),
               (double)count * (double)size);
}
void *nm_realloc(void *p, size_t n) { return noted(g_alloc.realloc_fn(p, n ? n : 1), (double)n); }

nmsim_status nm_oom_err(nmsim_err *err, const char *file, int line) {
  double b = g_failed_bytes;
  g_failed_bytes = 0;
  if (b <= 0) return nm_seterr(err, NMSIM_ENOMEM, file, line, "out of memory");
  static const char *const unit[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int u = 0;
  while (b >= 1024 && u < 6) b /= 1024, u++;
  return nm_seterr(err, NMSIM_ENOMEM, file, line, "out of memory: a request for %.*f %s failed",
                   u ? 1 : 0, b, unit[u]);
}

nmsim_status nm_err_context(nmsim_err *err, const char *fmt, ...) {
  if (!err) return NMSIM_OK;
  char pre[512], old[sizeof err->msg];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(pre, sizeof pre, fmt, ap);
  va_end(ap);
  memcpy(old, err->msg, sizeof old);
  size_t n = strlen(pre), m = strnlen(old, sizeof old - 1), cap = sizeof err->msg - 1;
  if (n > cap - 2) n = cap - 2;
  memcpy(err->msg, pre, n);
  memcpy(err->msg + n, ": ", 2);
  if (m > cap - n - 2) m = cap - n - 2;
  memcpy(err->msg + n + 2, old, m);
  err->msg[n + 2 + m] = 0;
  return err->code;
}
void nm_free(void *p) {
  if (p) g_alloc.free_fn(p);
}

char *nm_strdup(const char *s) {
  if (!s) return NULL;
  size_t n = strlen(s) + 1;
  char *d = nm_malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

nmsim_status nm_grow(void **arr, size_t *cap, size_t need, size_t elt) {
  if (need <= *cap) return NMSIM_OK;
  size_t ncap = *cap ? *cap : 8;
  while (ncap < need) {
    if (ncap > SIZE_MAX / 2 / elt) return NMSIM_ENOMEM;
    ncap *= 2;
  }
  void *p = nm_realloc(*arr, ncap * elt);
  if (!p) return NMSIM_ENOMEM;
  *arr = p;
  *cap = ncap;
  return NMSIM_OK;
}
