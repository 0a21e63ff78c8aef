/* pq_bucket.c: the "bucket" event queue, for the many events that share a
 * timestamp: a ring of unsorted time buckets in front of a small heap of the
 * current bucket, with an overflow heap beyond the ring's horizon. */
#define SIM_PQ_INTERNAL
#include "sim/pq.h"

#include <string.h>

/* LAYOUT. Let S be cur_start (a multiple of the width W) and H = S + N*W the
 * horizon, N the number of buckets. Every entry is in exactly one of
 *   cur   a binary heap on the full key: t < S + W (this includes times below
 *         S, pushed at "now" after a peek moved S ahead of now);
 *   ring  bucket (t / W) % N, an unsorted append-only array: S + W <= t < H;
 *         the window holds N - 1 whole buckets, so a slot never mixes laps,
 *         and the current slot's array is always empty;
 *   over  a binary heap: t >= the horizon when it was pushed (so t >= S + W).
 * All of cur precedes all of ring and over, so the front is cur's root.
 *
 * ADVANCING. When cur runs empty, the next bucket start is the least of the
 * first non-empty ring bucket (found through a bitmap) and floor(over's least
 * time / W) * W, which jumps over empty stretches at once. That bucket's ring
 * array is copied into cur, the over entries of its range are popped into
 * cur, and cur is heapified: O(bucket) plus O(log) per over entry. Over
 * entries are moved when their bucket becomes current rather than into ring
 * arrays when the horizon passes them: the same cost, and it keeps the pop
 * path free of allocation (pop cannot report NMSIM_ENOMEM).
 *
 * MEMORY. cur's array is reserved at push to hold every entry (32 bytes per
 * pending event), so loading a bucket never allocates. Ring arrays grow
 * geometrically and are reused, so in steady state nothing is allocated per
 * event. Known limitation: arrays never shrink after a burst. */

typedef struct bucket {
  pq_entry *a;
  size_t n, cap;
} bucket;

typedef struct bucket_q {
  nmsim_ps width;     /* W, ps */
  size_t nb;          /* N */
  uint64_t span;      /* N * W, ps (checked not to overflow by pq.c) */
  bucket *ring;       /* N buckets */
  uint64_t *bits;     /* bit i set iff ring[i].n > 0 */
  nmsim_ps cur_start; /* S */
  size_t cur_slot;    /* (S / W) % N */
  pq_bheap cur, over;
  size_t n_ring;      /* entries in ring arrays */
  size_t n_total;     /* cur.n + n_ring + over.n */
} bucket_q;

static inline unsigned ctz64(uint64_t x) {
#if defined(__GNUC__)
  return (unsigned)__builtin_ctzll(x);
#else
  unsigned n = 0;
  while (!(x & 1)) {
    x >>= 1;
    n++;
  }
  return n;
#endif
}

static void bucket_destroy(void *impl) {
  bucket_q *b = impl;
  if (b->ring)
    for (size_t i = 0; i < b->nb; i++) nm_free(b->ring[i].a);
  nm_free(b->ring);
  nm_free(b->bits);
  pq_bheap_free(&b->cur);
  pq_bheap_free(&b->over);
  nm_free(b);
}

static nmsim_status bucket_create(const sim_pq *q, const sim_pq_opts *opts, void **impl) {
  bucket_q *b = nm_calloc(1, sizeof *b);
  if (!b) return NMSIM_ENOMEM;
  b->width = opts->bucket_width;
  b->nb = opts->n_buckets;
  b->span = (uint64_t)b->nb * b->width;
  b->cur.q = b->over.q = q;
  b->ring = nm_calloc(b->nb, sizeof *b->ring);
  b->bits = nm_calloc((b->nb + 63) / 64, sizeof *b->bits);
  if (!b->ring || !b->bits) goto fail;
  *impl = b;
  return NMSIM_OK;
fail:
  bucket_destroy(b);
  return NMSIM_ENOMEM;
}

static nmsim_status bucket_push(void *impl, const pq_entry *e) {
  bucket_q *b = impl;
  if (pq_bheap_reserve(&b->cur, b->n_total + 1)) return NMSIM_ENOMEM;
  if (e->t < b->cur_start || e->t - b->cur_start < b->width) {
    pq_bheap_push_reserved(&b->cur, e);
  } else if (e->t - b->cur_start < b->span) {
    size_t i = (size_t)((e->t / b->width) % b->nb);
    bucket *r = &b->ring[i];
    if (r->n == r->cap) {
      void *a = r->a;
      if (nm_grow(&a, &r->cap, r->n + 1, sizeof *r->a)) return NMSIM_ENOMEM;
      r->a = a;
    }
    r->a[r->n++] = *e;
    b->bits[i / 64] |= (uint64_t)1 << (i % 64);
    b->n_ring++;
  } else if (pq_bheap_push(&b->over, e)) {
    return NMSIM_ENOMEM;
  }
  b->n_total++;
  return NMSIM_OK;
}

/* Slot of the first non-empty ring bucket after the current one (n_ring > 0). */
static size_t next_nonempty(const bucket_q *b) {
  size_t i = b->cur_slot + 1 == b->nb ? 0 : b->cur_slot + 1;
  for (;;) {
    size_t w = i / 64;
    uint64_t m = b->bits[w] & (~(uint64_t)0 << (i % 64));
    if (m) return w * 64 + ctz64(m);
    i = (w + 1) * 64;
    if (i >= b->nb) i = 0;
  }
}

/* Make cur non-empty if any entry is left; false when the queue is empty.
 * Never allocates (cur has room for every entry). */
static bool advance(bucket_q *b) {
  if (NMSIM_LIKELY(b->cur.n > 0)) return true;
  if (b->n_total == 0) return false;
  nmsim_ps start = 0;
  bool have = false;
  if (b->n_ring) {
    size_t slot = next_nonempty(b);
    size_t k = (slot + b->nb - b->cur_slot) % b->nb;
    start = b->cur_start + (uint64_t)k * b->width;
    have = true;
  }
  if (b->over.n) {
    nmsim_ps t = b->over.a[0].t;
    nmsim_ps s = t - t % b->width;
    if (!have || s < start) start = s;
  }
  b->cur_start = start;
  b->cur_slot = (size_t)((start / b->width) % b->nb);
  bucket *r = &b->ring[b->cur_slot];
  if (r->n) {
    memcpy(b->cur.a, r->a, r->n * sizeof *r->a);
    b->cur.n = r->n;
    b->n_ring -= r->n;
    r->n = 0;
    b->bits[b->cur_slot / 64] &= ~((uint64_t)1 << (b->cur_slot % 64));
  }
  while (b->over.n && b->over.a[0].t - start < b->width) {
    if (!ALWAYS(b->cur.n < b->cur.cap)) break; /* reserved at push */
    pq_bheap_pop(&b->over, &b->cur.a[b->cur.n++]);
  }
  pq_bheap_heapify(&b->cur);
  return ALWAYS(b->cur.n > 0);
}

static bool bucket_pop(void *impl, pq_entry *out) {
  bucket_q *b = impl;
  if (!advance(b)) return false;
  pq_bheap_pop(&b->cur, out);
  b->n_total--;
  return true;
}

static const pq_entry *bucket_front(void *impl) {
  bucket_q *b = impl;
  return advance(b) ? &b->cur.a[0] : NULL;
}

const sim_pq_vtab sim_pq_bucket_vtab = {
    .name = "bucket",
    .create = bucket_create,
    .destroy = bucket_destroy,
    .push = bucket_push,
    .pop = bucket_pop,
    .front = bucket_front,
};
