/* pq.c: the event queue's shared part: the scheduling checks, the counts,
 * the generation-checked handles of cancellable events, and dispatch to the
 * implementation named at creation (pq_heap.c, pq_bucket.c), which stores the
 * events themselves. */
#define SIM_PQ_INTERNAL
#include "sim/engine/pq.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* The state of a handle: free, or held by a pending or a cancelled (not yet
 * dropped) event. */
enum { H_FREE = 0, H_QUEUED, H_CANCELLED };

typedef struct handle {
  uint32_t gen;       /* bumped when the handle is freed: stale ids miss */
  uint32_t next_free; /* free-list link while H_FREE */
  uint8_t state;      /* H_* */
} handle;

#define NO_HANDLE UINT32_MAX
#define MAX_EVENTS_CAP ((size_t)UINT32_MAX - 1) /* index+1 fits the id's low word */
#define N_BUCKETS_CAP ((size_t)1 << 24)

struct sim_pq {
  const sim_pq_vtab *vt;
  void *impl;
  /* Handles of events pushed with an id: h[i] is entry h = i + 1's. */
  handle *h;
  size_t h_cap;
  uint32_t n_h;       /* handles ever made (high-water mark) */
  uint32_t free_h;    /* NO_HANDLE when the free list is empty */
  size_t max_events;
  /* now lies between the two counts: side by side, push's two increments
   * were merged into one 16-byte add, whose load could not be forwarded from
   * pop's two 8-byte stores and waited for them (store forwarding) */
  size_t n_used;      /* entries held by the implementation (queued + cancelled) */
  nmsim_ps now;       /* time of the last pop */
  size_t n_live;      /* queued, not cancelled */
};

/* ORDER IMPLS: vtabs[] and sim_pq_impls[] list the same names in one order. */
static const sim_pq_vtab *const vtabs[] = {&sim_pq_heap_vtab, &sim_pq_bucket_vtab};
const char *const sim_pq_impls[] = {"heap", "bucket", NULL}; /* ORDER IMPLS */

/* Take a free handle (state still H_FREE) into *out (its index). NMSIM_ENOMEM
 * with nothing changed when none can be had. */
static nmsim_status handle_take(sim_pq *q, uint32_t *out) {
  if (q->free_h != NO_HANDLE) {
    *out = q->free_h;
    q->free_h = q->h[*out].next_free;
    return NMSIM_OK;
  }
  void *arr = q->h;
  if (nm_grow(&arr, &q->h_cap, (size_t)q->n_h + 1, sizeof *q->h)) return NMSIM_ENOMEM;
  q->h = arr;
  *out = q->n_h++;
  q->h[*out] = (handle){.gen = 1, .state = H_FREE};
  return NMSIM_OK;
}

/* Free handle i; its outstanding id becomes stale (the generation wraps after
 * 2^32 reuses of one handle, far beyond any id's useful life). */
static void handle_put(sim_pq *q, uint32_t i) {
  handle *x = &q->h[i];
  x->state = H_FREE;
  x->gen++;
  x->next_free = q->free_h;
  q->free_h = i;
}

/* The implementation handed back entry e, which has a handle: check that the
 * handle is held, free it, and say whether the event was cancelled. */
static bool handle_release(sim_pq *q, const pq_entry *e) {
  uint32_t i = e->h - 1;
  if (NMSIM_UNLIKELY(i >= q->n_h ||
                     (q->h[i].state != H_QUEUED && q->h[i].state != H_CANCELLED)))
    NMSIM_PANIC("event queue returned handle %" PRIu32 " in state %u", e->h,
                i < q->n_h ? (unsigned)q->h[i].state : 0u);
  bool cancelled = q->h[i].state == H_CANCELLED;
  handle_put(q, i);
  return cancelled;
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
  q->free_h = NO_HANDLE;
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
  nm_free(q->h);
  nm_free(q);
}

nmsim_status sim_pq_push(sim_pq *q, const sim_event *ev, sim_event_id *id, nmsim_err *err) {
  if (NMSIM_UNLIKELY(ev->time < q->now))
    return NMSIM_ERR(err, NMSIM_EPAST,
                     "event from source unit %" PRIu32 " (kind %u, dst %" PRIu32
                     ", seq %" PRIu32 ") scheduled at %" PRIu64
                     " ps, before the current time %" PRIu64 " ps",
                     ev->src, (unsigned)ev->kind, ev->dst, ev->seq, ev->time, q->now);
  if (NMSIM_UNLIKELY(q->n_used >= q->max_events))
    return NMSIM_ERR(err, NMSIM_EPOOL,
                     "event pool exhausted: %zu events pending (%zu of them cancelled, "
                     "dropped when they reach the front); raise engine.max_events "
                     "(now %zu)",
                     q->n_used, q->n_used - q->n_live, q->max_events);
  pq_entry e = {.t = ev->time,
                .k1 = (uint64_t)ev->kind << 32 | ev->dst,
                .k2 = (uint64_t)ev->src << 32 | ev->seq,
                .data = {ev->data.u64[0], ev->data.u64[1], ev->data.u64[2]}};
  uint32_t hi = 0;
  if (id) {
    if (handle_take(q, &hi)) return NMSIM_ENOMEM_ERR(err);
    /* Queued before the implementation sees it, so that a tie met while it
     * is sifted in is recognised as two queued events. */
    q->h[hi].state = H_QUEUED;
    e.h = hi + 1;
  }
  if (NMSIM_UNLIKELY(q->vt->push(q->impl, &e))) {
    if (id) handle_put(q, hi);
    return NMSIM_ENOMEM_ERR(err);
  }
  q->n_used++;
  q->n_live++;
  if (id) *id = (uint64_t)q->h[hi].gen << 32 | (uint64_t)(hi + 1);
  return NMSIM_OK;
}

bool sim_pq_pop(sim_pq *q, sim_event *out) {
  const pq_entry *e;
  while ((e = q->vt->pop(q->impl)) != NULL) {
    q->n_used--;
    if (NMSIM_UNLIKELY(e->h) && handle_release(q, e)) continue; /* cancelled: drop */
    if (NMSIM_UNLIKELY(e->t < q->now))
      NMSIM_PANIC("event queue (%s) order violated: popped time %" PRIu64
                  " ps after %" PRIu64 " ps",
                  q->vt->name, e->t, q->now);
    out->time = e->t;
    out->dst = (uint32_t)e->k1;
    out->src = (uint32_t)(e->k2 >> 32);
    out->seq = (uint32_t)e->k2;
    out->kind = (uint8_t)(e->k1 >> 32);
    out->pad_[0] = out->pad_[1] = out->pad_[2] = 0;
    out->data.u64[0] = e->data[0];
    out->data.u64[1] = e->data[1];
    out->data.u64[2] = e->data[2];
    q->now = e->t;
    q->n_live--;
    return true;
  }
  return false;
}

/* The least pending entry, dropping cancelled ones at the front; NULL if none. */
static const pq_entry *front_live(sim_pq *q) {
  const pq_entry *f;
  while ((f = q->vt->front(q->impl)) != NULL) {
    if (!f->h || q->h[f->h - 1].state == H_QUEUED) return f;
    const pq_entry *e = q->vt->pop(q->impl); /* a cancelled event at the front: drop it */
    q->n_used--;
    handle_release(q, e);
  }
  return NULL;
}

nmsim_ps sim_pq_peek_time(sim_pq *q) {
  const pq_entry *f = front_live(q);
  return f ? f->t : UINT64_MAX;
}

bool sim_pq_precedes_all(sim_pq *q, const sim_event *ev) {
  const pq_entry *f = front_live(q);
  if (!f) return true;
  const pq_entry k = {.t = ev->time,
                      .k1 = (uint64_t)ev->kind << 32 | ev->dst,
                      .k2 = (uint64_t)ev->src << 32 | ev->seq};
  return pq_entry_less(q, &k, f);
}

bool sim_pq_cancel(sim_pq *q, sim_event_id id) {
  uint32_t lo = (uint32_t)id;
  if (lo == 0 || lo - 1 >= q->n_h) return false;
  handle *x = &q->h[lo - 1];
  if (x->state != H_QUEUED || x->gen != (uint32_t)(id >> 32)) return false;
  x->state = H_CANCELLED;
  q->n_live--;
  return true;
}

size_t sim_pq_size(const sim_pq *q) { return q->n_live; }
nmsim_ps sim_pq_now(const sim_pq *q) { return q->now; }
const char *sim_pq_impl(const sim_pq *q) { return q->vt->name; }

/* Is entry e queued (not cancelled)? An entry without a handle always is. */
static bool entry_queued(const sim_pq *q, const pq_entry *e) {
  return !e->h || q->h[e->h - 1].state == H_QUEUED;
}

int sim_pq_tie(const sim_pq *q, const pq_entry *a, const pq_entry *b) {
  if (a == b || (a->h && a->h == b->h)) return 0; /* one event, two copies */
  if (entry_queued(q, a) && entry_queued(q, b)) {
    NMSIM_PANIC("two queued events are equal on every key (time %" PRIu64
                " ps, kind %u, dst %" PRIu32 ", src %" PRIu32 ", seq %" PRIu32
                "): source unit %" PRIu32 " reused a sequence number",
                a->t, (unsigned)(a->k1 >> 32), (uint32_t)a->k1, (uint32_t)(a->k2 >> 32),
                (uint32_t)a->k2, (uint32_t)(a->k2 >> 32));
  }
  return a->h < b->h ? -1 : a->h > b->h;
}
