/* pq.h: the event queue behind a narrow API, with swappable implementations
 * ("heap": binary heap, the reference; "bucket": a ring of time buckets).
 *
 * THE TOTAL ORDER. Events are popped in increasing order of the key
 *   (time, kind, dst, src, seq)
 * where time is hardware time in ps, kind is the event kind (a smaller kind
 * runs first at equal time: the kind enum is the priority), dst and src name
 * the destination and source units, and seq is a sequence number local to the
 * source unit. Every field is a property of the model, never of memory
 * addresses or of how the system is partitioned, so runs are reproducible.
 * Two queued events equal on every key are an internal error (panic).
 *
 * THE CURRENT-TIME RULE. An event may be pushed with time == the time of the
 * last pop ("now"). It runs in the current pass, before time advances, in key
 * order among the events still pending at that time (it may therefore run
 * before an already queued event of the same time whose key is larger). An
 * event with time < now is rejected with NMSIM_EPAST. So the sequence of popped
 * times never decreases, and within one time the pops follow the key order of
 * whatever is pending.
 *
 * CANCELLATION marks the event; it is skipped (and freed) when it reaches the
 * front. Cancelling is O(1) and safe from inside a handler. Only an event
 * pushed with a handle (id != NULL) can be cancelled; the others cost no
 * handle bookkeeping.
 */
#ifndef NMSIM_SIM_PQ_H
#define NMSIM_SIM_PQ_H

#include "sim/base/sim_int.h"

/* An event: a fixed 24-byte header and a 24-byte inline payload. */
typedef struct sim_event {
  nmsim_ps time;   /* hardware time, ps */
  uint32_t dst;    /* destination unit */
  uint32_t src;    /* source unit */
  uint32_t seq;    /* sequence number local to src */
  uint8_t kind;    /* event kind; also its priority at equal time */
  uint8_t pad_[3];
  union {
    uint64_t u64[3];
    uint32_t u32[6];
    int64_t i64[3];
    double f64[3];
  } data;
} sim_event;

/* Compare a and b in the total order: <0, 0 or >0. */
static inline int sim_event_cmp(const sim_event *a, const sim_event *b) {
  if (a->time != b->time) return a->time < b->time ? -1 : 1;
  if (a->kind != b->kind) return a->kind < b->kind ? -1 : 1;
  if (a->dst != b->dst) return a->dst < b->dst ? -1 : 1;
  if (a->src != b->src) return a->src < b->src ? -1 : 1;
  if (a->seq != b->seq) return a->seq < b->seq ? -1 : 1;
  return 0;
}

/* Handle of a queued event, for cancel(); 0 is never a valid handle. */
typedef uint64_t sim_event_id;

typedef struct sim_pq sim_pq;

/* Options of a queue. Zero fields take their defaults. */
typedef struct sim_pq_opts {
  size_t max_events;      /* pending events at most, cancelled ones included
                          * until dropped (default 1<<24) */
  nmsim_ps bucket_width;  /* "bucket": width of a bucket, ps (default 0: automatic,
                          * a power of two adapted to the pending events) */
  size_t n_buckets;       /* "bucket": buckets in the ring (default 4096) */
} sim_pq_opts;

/* Create a queue of implementation name ("heap" or "bucket").
 * Returns NMSIM_OK and *out, NMSIM_EINPUT for an unknown name (message lists
 * the names) or out-of-range options (max_events above 2^32-2, or n_buckets
 * above 2^24 or n_buckets*bucket_width beyond 2^64 ps), or NMSIM_ENOMEM
 * (nothing is left allocated). On error *out is NULL. */
nmsim_status sim_pq_create(const char *impl, const sim_pq_opts *opts, sim_pq **out,
                           nmsim_err *err);
/* Free q and every pending event. Accepts NULL. */
void sim_pq_destroy(sim_pq *q);
/* Queue a copy of ev. On success stores its handle in *id; pass id = NULL for
 * an event that will never be cancelled (the engine's: no handle is made).
 * NMSIM_EPAST if ev->time < now (the message names ev's source unit);
 * NMSIM_EPOOL when max_events are pending (the message names the knob; a
 * cancelled event counts until it reaches the front and is dropped);
 * NMSIM_ENOMEM. On error nothing is queued. */
nmsim_status sim_pq_push(sim_pq *q, const sim_event *ev, sim_event_id *id, nmsim_err *err);
/* Pop the least event into *out and set now to its time. Returns false when
 * the queue is empty (cancelled events are skipped and freed). */
bool sim_pq_pop(sim_pq *q, sim_event *out);
/* Time of the least pending event, or UINT64_MAX if none. May skip cancelled
 * events at the front (it is not const). */
nmsim_ps sim_pq_peek_time(sim_pq *q);
/* Does ev (not queued) precede every pending event in the total order?
 * True when none is pending. Panics, as a tie does, if a pending event has
 * ev's key. May drop cancelled events at the front, as sim_pq_peek_time. */
bool sim_pq_precedes_all(sim_pq *q, const sim_event *ev);
/* Mark the event as cancelled. Returns true if it was pending, false if the
 * handle is stale (already popped or cancelled). */
bool sim_pq_cancel(sim_pq *q, sim_event_id id);
/* Number of pending, not cancelled events. */
size_t sim_pq_size(const sim_pq *q);
/* Time of the last pop (0 before the first). */
nmsim_ps sim_pq_now(const sim_pq *q);
/* Implementation name of q. */
const char *sim_pq_impl(const sim_pq *q);
/* NULL-terminated list of implementation names. */
extern const char *const sim_pq_impls[];

/* ---- implementation interface, seen only by sim/pq*.c -------------------- */
/* pq.c owns the checks, the counts and the handles; an implementation stores
 * and orders entries, each a whole event. pq_heap.c also provides the binary
 * heap that pq_bucket.c reuses. Kept here, behind SIM_PQ_INTERNAL, so the
 * three files share one definition. */
#ifdef SIM_PQ_INTERNAL

/* An event as queued: its key packed into three words compared
 * lexicographically (t = time, k1 = kind<<32 | dst, k2 = src<<32 | seq), its
 * payload, and h: 0, or 1 + the index of its handle in pq.c's handle table
 * when it was pushed with one (only those can be cancelled). The events live
 * in the implementation's arrays, not in a pool that a pop would have to
 * reach through an index: a pop reads memory the queue keeps in order. */
typedef struct pq_entry {
  uint64_t t, k1, k2;
  uint64_t data[3];
  uint32_t h, pad_;
} pq_entry;

/* Copy entry s to d a word at a time. A pushed entry has just been written
 * field by field (pq.c packs it); a vector load across two of those stores
 * cannot take its data from them and waits until they reach the cache
 * (store forwarding fails), so the copy of a pushed entry into the queue
 * must not be merged into wide moves: the empty asm keeps each word in a
 * register of its own. */
static inline void pq_entry_put(pq_entry *restrict d, const pq_entry *restrict s) {
#if defined(__GNUC__)
  uint64_t w[6] = {s->t, s->k1, s->k2, s->data[0], s->data[1], s->data[2]};
  uint32_t h = s->h;
  __asm__("" : "+r"(w[0]), "+r"(w[1]), "+r"(w[2]), "+r"(w[3]), "+r"(w[4]), "+r"(w[5]));
  d->t = w[0];
  d->k1 = w[1];
  d->k2 = w[2];
  d->data[0] = w[3];
  d->data[1] = w[4];
  d->data[2] = w[5];
  d->h = h;
  d->pad_ = 0;
#else
  *d = *s;
#endif
}

/* Two entries are equal on every key: panics if both are queued (not
 * cancelled), else orders them by handle. Cold path; defined in pq.c. */
int sim_pq_tie(const sim_pq *q, const pq_entry *a, const pq_entry *b);

/* a < b in the total order (ties go to sim_pq_tie). */
static inline bool pq_entry_less(const sim_pq *q, const pq_entry *a, const pq_entry *b) {
  if (a->t != b->t) return a->t < b->t;
  if (a->k1 != b->k1) return a->k1 < b->k1;
  if (a->k2 != b->k2) return a->k2 < b->k2;
  return sim_pq_tie(q, a, b) < 0;
}

/* A binary min-heap of entries; a grows geometrically and never shrinks. */
typedef struct pq_bheap {
  pq_entry *a;
  size_t n, cap;
  const sim_pq *q; /* for ties */
  pq_entry top;    /* the entry a pop of the implementation returned last */
} pq_bheap;

/* Make room for need entries: NMSIM_OK or NMSIM_ENOMEM (heap unchanged). */
nmsim_status pq_bheap_reserve(pq_bheap *h, size_t need);
/* Insert e: NMSIM_OK or NMSIM_ENOMEM (heap unchanged). */
nmsim_status pq_bheap_push(pq_bheap *h, const pq_entry *e);
/* Insert e into a heap with room for it (h->n < h->cap); never fails. */
void pq_bheap_push_reserved(pq_bheap *h, const pq_entry *e);
/* Remove the least entry into *out (h->n > 0). Panics if the new least entry
 * has the same key and both are queued. */
void pq_bheap_pop(pq_bheap *h, pq_entry *out);
/* Restore the heap order after entries were appended to a[0..n). O(n). */
void pq_bheap_heapify(pq_bheap *h);
void pq_bheap_free(pq_bheap *h);

/* One implementation. opts has its defaults resolved. create and push may
 * fail only with NMSIM_ENOMEM and then leave nothing behind (nothing queued,
 * nothing allocated by create); pop, front and destroy never allocate. pop
 * removes the least entry and returns it, readable until the next call on
 * the queue (no copy out: pq.c unpacks it), or NULL when empty. front may
 * reorganise (not const) and returns NULL when empty. */
typedef struct sim_pq_vtab {
  const char *name;
  nmsim_status (*create)(const sim_pq *q, const sim_pq_opts *opts, void **impl);
  void (*destroy)(void *impl);
  nmsim_status (*push)(void *impl, const pq_entry *e);
  const pq_entry *(*pop)(void *impl);
  const pq_entry *(*front)(void *impl);
} sim_pq_vtab;

extern const sim_pq_vtab sim_pq_heap_vtab;
extern const sim_pq_vtab sim_pq_bucket_vtab;

#endif /* SIM_PQ_INTERNAL */

#endif
