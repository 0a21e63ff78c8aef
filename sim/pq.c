/* pq.c: the event queue's shared part: the event pool (slabs, free list,
 * owner states, generation-checked handles), the scheduling checks, and
 * dispatch to the implementation named at creation (pq_heap.c, pq_bucket.c). */
#define SIM_PQ_INTERNAL
#include "sim/pq.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Who owns a pool slot: the free list, or the implementation (as a pending or
 * as a cancelled, not yet dropped, event). */
enum { SLOT_FREE = 0, SLOT_QUEUED, SLOT_CANCELLED };

typedef struct pool_slot {
  sim_event ev;
  uint32_t gen;       /* bumped when the slot is freed: stale handles miss */
  uint32_t next_free; /* free-list link while SLOT_FREE */
  uint8_t state;      /* SLOT_* */
} pool_slot;

/* Slabs are aligned to CACHE_LINE so that a slot is one cache line: a pop
 * reads a slot it did not touch for a long time, so that read is a cache miss
 * (one, not two, and one prefetch covers it). */
#define CACHE_LINE 64
_Static_assert(sizeof(pool_slot) == CACHE_LINE, "a pool slot is one cache line");

typedef struct slab {
  pool_slot *slots; /* aligned to CACHE_LINE, inside mem */
  void *mem;        /* as allocated */
} slab;

#define SLAB_SHIFT_MAX 12u /* 4096 slots (256 KiB) per slab */
#define NO_SLOT UINT32_MAX
#define MAX_EVENTS_CAP ((size_t)UINT32_MAX - 1) /* slot+1 fits the handle's low word */
#define N_BUCKETS_CAP ((size_t)1 << 24)

struct sim_pq {
  const sim_pq_vtab *vt;
  void *impl;
  /* The pool: slot i lives in slabs[i >> slab_shift].slots[i & slab_mask]. Slabs
   * are allocated when the free list runs dry, up to max_events slots. */
  slab *slabs;
  size_t n_slabs, slabs_cap;
  unsigned slab_shift;
  uint32_t slab_mask;
  uint32_t n_slots;   /* slots ever handed out (high-water mark) */
  uint32_t free_head; /* NO_SLOT when the free list is empty */
  size_t max_events;
  size_t n_used;      /* slots held by the implementation (queued + cancelled) */
  size_t n_live;      /* queued, not cancelled */
  nmsim_ps now;       /* time of the last pop */
};

/* ORDER IMPLS: vtabs[] and sim_pq_impls[] list the same names in one order. */
static const sim_pq_vtab *const vtabs[] = {&sim_pq_heap_vtab, &sim_pq_bucket_vtab};
const char *const sim_pq_impls[] = {"heap", "bucket", NULL}; /* ORDER IMPLS */

static inline pool_slot *slot_at(const sim_pq *q, uint32_t slot) {
  return &q->slabs[slot >> q->slab_shift].slots[slot & q->slab_mask];
}

/* Take a free slot (state still SLOT_FREE). NMSIM_EPOOL or NMSIM_ENOMEM, with
 * nothing changed, when none can be had. */
static nmsim_status pool_take(sim_pq *q, uint32_t *out, nmsim_err *err) {
  if (q->free_head != NO_SLOT) {
    *out = q->free_head;
    q->free_head = slot_at(q, *out)->next_free;
    return NMSIM_OK;
  }
  if (q->n_slots >= q->max_events)
    return NMSIM_ERR(err, NMSIM_EPOOL,
                     "event pool exhausted: %zu events pending (%zu of them cancelled, "
                     "dropped when they reach the front); raise engine.max_events "
                     "(now %zu)",
                     q->n_used, q->n_used - q->n_live, q->max_events);
  if ((q->n_slots >> q->slab_shift) == q->n_slabs) {
    void *arr = q->slabs;
    if (nm_grow(&arr, &q->slabs_cap, q->n_slabs + 1, sizeof *q->slabs))
      return NMSIM_ENOMEM_ERR(err);
    q->slabs = arr;
    void *mem = nm_malloc(((size_t)1 << q->slab_shift) * sizeof(pool_slot) + CACHE_LINE - 1);
    if (!mem) return NMSIM_ENOMEM_ERR(err);
    uintptr_t at = ((uintptr_t)mem + CACHE_LINE - 1) & ~(uintptr_t)(CACHE_LINE - 1);
    q->slabs[q->n_slabs++] = (slab){.slots = (pool_slot *)at, .mem = mem};
  }
  *out = q->n_slots++;
  pool_slot *s = slot_at(q, *out);
  s->gen = 1;
  s->state = SLOT_FREE;
  return NMSIM_OK;
}

/* Return a slot to the free list; its outstanding handle becomes stale (the
 * generation wraps after 2^32 reuses of one slot, far beyond any handle's
 * useful life). */
static void pool_put(sim_pq *q, uint32_t slot) {
  pool_slot *s = slot_at(q, slot);
  s->state = SLOT_FREE;
  s->gen++;
  s->next_free = q->free_head;
  q->free_head = slot;
}

static const sim_pq_vtab *find_vtab(const char *name) {
  for (size_t i = 0; name && i < NM_ARRAY_LEN(vtabs); i++)
    if (strcmp(vtabs[i]->name, name) == 0) return vtabs[i];
  return NULL;
}

static nmsim_status resolve_opts(const sim_pq_opts *in, sim_pq_opts *o, nmsim_err *err) {
  *o = in ? *in : (sim_pq_opts){0};
  if (!o->max_events) o->max_events = (size_t)1 << 24;
  if (!o->n_buckets) o->n_buckets = 4096;
  if (o->max_events > MAX_EVENTS_CAP)
    return NMSIM_ERR(err, NMSIM_EINPUT, "engine.max_events = %zu is above the limit %zu",
                     o->max_events, MAX_EVENTS_CAP);
  if (o->n_buckets > N_BUCKETS_CAP)
    return NMSIM_ERR(err, NMSIM_EINPUT, "event queue n_buckets = %zu is above the limit %zu",
                     o->n_buckets, N_BUCKETS_CAP);
  if (o->bucket_width > UINT64_MAX / o->n_buckets)
    return NMSIM_ERR(err, NMSIM_EINPUT,
                     "event queue n_buckets * bucket_width (%zu * %" PRIu64
                     " ps) exceeds 2^64 ps",
                     o->n_buckets, o->bucket_width);
  return NMSIM_OK;
}

nmsim_status sim_pq_create(const char *impl, const sim_pq_opts *opts, sim_pq **out,
                           nmsim_err *err) {
  *out = NULL;
  const sim_pq_vtab *vt = find_vtab(impl);
  if (!vt) {
    char names[128] = "";
    for (size_t i = 0; sim_pq_impls[i]; i++) {
      size_t len = strlen(names);
      snprintf(names + len, sizeof names - len, "%s\"%s\"", i ? ", " : "", sim_pq_impls[i]);
    }
    return NMSIM_ERR(err, NMSIM_EINPUT,
                     "unknown event queue implementation \"%s\"; valid names: %s",
                     impl ? impl : "(null)", names);
  }
  sim_pq_opts o;
  nmsim_status st = resolve_opts(opts, &o, err);
  if (st) return st;

  sim_pq *q = nm_calloc(1, sizeof *q);
  if (!q) goto fail;
  q->vt = vt;
  q->max_events = o.max_events;
  q->free_head = NO_SLOT;
  q->slab_shift = 0;
  while (q->slab_shift < SLAB_SHIFT_MAX && ((size_t)1 << q->slab_shift) < o.max_events)
    q->slab_shift++;
  q->slab_mask = ((uint32_t)1 << q->slab_shift) - 1;
  if (vt->create(q, &o, &q->impl)) goto fail;
  *out = q;
  return NMSIM_OK;
fail:
  sim_pq_destroy(q);
  return NMSIM_ENOMEM_ERR(err);
}

void sim_pq_destroy(sim_pq *q) {
  if (!q) return;
  if (q->impl) q->vt->destroy(q->impl);
  for (size_t i = 0; i < q->n_slabs; i++) nm_free(q->slabs[i].mem);
  nm_free(q->slabs);
  nm_free(q);
}

nmsim_status sim_pq_push(sim_pq *q, const sim_event *ev, sim_event_id *id, nmsim_err *err) {
  if (ev->time < q->now)
    return NMSIM_ERR(err, NMSIM_EPAST,
                     "event from source unit %" PRIu32 " (kind %u, dst %" PRIu32
                     ", seq %" PRIu32 ") scheduled at %" PRIu64
                     " ps, before the current time %" PRIu64 " ps",
                     ev->src, (unsigned)ev->kind, ev->dst, ev->seq, ev->time, q->now);
  uint32_t slot = 0;
  nmsim_status st = pool_take(q, &slot, err);
  if (st) return st;
  pool_slot *s = slot_at(q, slot);
  /* Queued (and filled) before the implementation sees it, so that a tie met
   * while it is sifted in is recognised as two queued events. */
  s->state = SLOT_QUEUED;
  s->ev = *ev;
  pq_entry e = {.t = ev->time,
                .k1 = (uint64_t)ev->kind << 32 | ev->dst,
                .k2 = (uint64_t)ev->src << 32 | ev->seq,
                .slot = slot};
  if (q->vt->push(q->impl, &e)) {
    pool_put(q, slot);
    return NMSIM_ENOMEM_ERR(err);
  }
  q->n_used++;
  q->n_live++;
  if (id) *id = (uint64_t)s->gen << 32 | (uint64_t)(slot + 1);
  return NMSIM_OK;
}

/* The implementation handed back slot: check who owned it. */
static pool_slot *owned_slot(const sim_pq *q, uint32_t slot) {
  pool_slot *s = slot_at(q, slot);
  if (NMSIM_UNLIKELY(s->state != SLOT_QUEUED && s->state != SLOT_CANCELLED))
    NMSIM_PANIC("event queue returned slot %" PRIu32 " in state %u", slot, (unsigned)s->state);
  return s;
}

/* Start loading the slot of an event that pops soon while the caller handles
 * this one: otherwise that read is a cache miss per pop. The implementation
 * may name, in the popped entry's pad_, 1 + the slot of an event a few pops
 * ahead (far enough for the load to complete in time); else this prefetches
 * the next front event's slot. */
static inline void prefetch_ahead(sim_pq *q, const pq_entry *popped) {
#if defined(__GNUC__)
  if (popped->pad_) {
    uint32_t ahead = popped->pad_ - 1;
    if (NMSIM_LIKELY(ahead < q->n_slots)) __builtin_prefetch(slot_at(q, ahead));
    return;
  }
  const pq_entry *f = q->vt->front(q->impl);
  if (f) __builtin_prefetch(slot_at(q, f->slot));
#else
  (void)q;
  (void)popped;
#endif
}

bool sim_pq_pop(sim_pq *q, sim_event *out) {
  pq_entry e;
  while (q->vt->pop(q->impl, &e)) {
    pool_slot *s = owned_slot(q, e.slot);
    q->n_used--;
    if (s->state == SLOT_CANCELLED) {
      pool_put(q, e.slot);
      continue;
    }
    if (NMSIM_UNLIKELY(e.t < q->now))
      NMSIM_PANIC("event queue (%s) order violated: popped time %" PRIu64
                  " ps after %" PRIu64 " ps",
                  q->vt->name, e.t, q->now);
    *out = s->ev;
    q->now = e.t;
    q->n_live--;
    pool_put(q, e.slot);
    prefetch_ahead(q, &e);
    return true;
  }
  return false;
}

nmsim_ps sim_pq_peek_time(sim_pq *q) {
  const pq_entry *f;
  while ((f = q->vt->front(q->impl)) != NULL) {
    if (owned_slot(q, f->slot)->state == SLOT_QUEUED) return f->t;
    pq_entry e;
    q->vt->pop(q->impl, &e); /* a cancelled event at the front: drop it */
    q->n_used--;
    pool_put(q, e.slot);
  }
  return UINT64_MAX;
}

bool sim_pq_cancel(sim_pq *q, sim_event_id id) {
  uint32_t lo = (uint32_t)id;
  if (lo == 0 || lo - 1 >= q->n_slots) return false;
  pool_slot *s = slot_at(q, lo - 1);
  if (s->state != SLOT_QUEUED || s->gen != (uint32_t)(id >> 32)) return false;
  s->state = SLOT_CANCELLED;
  q->n_live--;
  return true;
}

size_t sim_pq_size(const sim_pq *q) { return q->n_live; }
nmsim_ps sim_pq_now(const sim_pq *q) { return q->now; }
const char *sim_pq_impl(const sim_pq *q) { return q->vt->name; }

int sim_pq_tie(const sim_pq *q, uint32_t slot_a, uint32_t slot_b) {
  const pool_slot *a = slot_at(q, slot_a), *b = slot_at(q, slot_b);
  if (a->state == SLOT_QUEUED && b->state == SLOT_QUEUED && slot_a != slot_b) {
    NMSIM_PANIC("two queued events are equal on every key (time %" PRIu64
                " ps, kind %u, dst %" PRIu32 ", src %" PRIu32 ", seq %" PRIu32
                "): source unit %" PRIu32 " reused a sequence number",
                a->ev.time, (unsigned)a->ev.kind, a->ev.dst, a->ev.src, a->ev.seq, a->ev.src);
  }
  return slot_a < slot_b ? -1 : slot_a > slot_b;
}
