/* alloc.c: the allocation hook every nmsim allocation goes through. */
#include <stdlib.h>
#include <string.h>

#include "sim/base/sim_int.h"

static nm_allocator g_alloc = {malloc, realloc, calloc, free};

void nmsim_set_allocator(const nm_allocator *a) {
  if (a) g_alloc = *a;
  else g_alloc = (nm_allocator){malloc, realloc, calloc, free};
}

void *nm_malloc(size_t n) { return g_alloc.malloc_fn(n ? n : 1); }
void *nm_calloc(size_t count, size_t size) {
  return g_alloc.calloc_fn(count ? count : 1, size ? size : 1);
}
void *nm_realloc(void *p, size_t n) { return g_alloc.realloc_fn(p, n ? n : 1); }
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
