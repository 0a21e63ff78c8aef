/* pq_heap.c: the reference event queue, a plain binary min-heap of entries;
 * its heap primitives are reused by pq_bucket.c. */
#define SIM_PQ_INTERNAL
#include "sim/engine/pq.h"

nmsim_status pq_bheap_reserve(pq_bheap *h, size_t need) {
  if (NMSIM_LIKELY(need <= h->cap)) return NMSIM_OK;
  void *a = h->a;
  nmsim_status st = nm_grow(&a, &h->cap, need, sizeof *h->a);
  h->a = a;
  return st;
}

void pq_bheap_push_reserved(pq_bheap *h, const pq_entry *e) {
  pq_entry *a = h->a;
  size_t i = h->n++;
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (!pq_entry_less(h->q, e, &a[p])) break;
    a[i] = a[p];
    i = p;
  }
  pq_entry_put(&a[i], e);
}

nmsim_status pq_bheap_push(pq_bheap *h, const pq_entry *e) {
  if (pq_bheap_reserve(h, h->n + 1)) return NMSIM_ENOMEM;
  pq_bheap_push_reserved(h, e);
  return NMSIM_OK;
}

/* Move x down from position i of a[0..n) to its place. */
static void sift_down(const sim_pq *q, pq_entry *a, size_t n, size_t i, const pq_entry *x) {
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && pq_entry_less(q, &a[c + 1], &a[c])) c++;
    if (!pq_entry_less(q, &a[c], x)) break;
    a[i] = a[c];
    i = c;
  }
  a[i] = *x;
}

void pq_bheap_pop(pq_bheap *h, pq_entry *out) {
  pq_entry *a = h->a;
  *out = a[0];
  size_t n = --h->n;
  if (n == 0) return;
  pq_entry x = a[n];
  sift_down(h->q, a, n, 0, &x);
  /* The cheap duplicate check: a second event equal to the one popped is now
   * the least, so it is at the root. */
  if (a[0].t == out->t && a[0].k1 == out->k1 && a[0].k2 == out->k2)
    sim_pq_tie(h->q, out, &a[0]);
}

void pq_bheap_heapify(pq_bheap *h) {
  for (size_t i = h->n / 2; i-- > 0;) {
    pq_entry x = h->a[i];
    sift_down(h->q, h->a, h->n, i, &x);
  }
}

void pq_bheap_free(pq_bheap *h) {
  nm_free(h->a);
  h->a = NULL;
  h->n = h->cap = 0;
}

/* ---- the "heap" implementation ------------------------------------------- */

static nmsim_status heap_create(const sim_pq *q, const sim_pq_opts *opts, void **impl) {
  (void)opts;
  pq_bheap *h = nm_calloc(1, sizeof *h);
  if (!h) return NMSIM_ENOMEM;
  h->q = q;
  *impl = h;
  return NMSIM_OK;
}

static void heap_destroy(void *impl) {
  pq_bheap_free(impl);
  nm_free(impl);
}

static nmsim_status heap_push(void *impl, const pq_entry *e) { return pq_bheap_push(impl, e); }

static const pq_entry *heap_pop(void *impl) {
  pq_bheap *h = impl;
  if (h->n == 0) return NULL;
  pq_bheap_pop(h, &h->top);
  return &h->top;
}

static const pq_entry *heap_front(void *impl) {
  pq_bheap *h = impl;
  return h->n ? &h->a[0] : NULL;
}

const sim_pq_vtab sim_pq_heap_vtab = {
    .name = "heap",
    .create = heap_create,
    .destroy = heap_destroy,
    .push = heap_push,
    .pop = heap_pop,
    .front = heap_front,
};
