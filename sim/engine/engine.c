/* engine.c: the discrete-event run loop (one screen: check stop, pop, drop
 * past-end, dispatch by kind, count). Energy and time are charged by the
 * handlers of the units that perform the work. */
#include <string.h>

#include "sim/engine/engine.h"

struct sim_engine {
  sim_pq *q;
  sim_handler handler[SIM_EV_COUNT];
  void *ctx[SIM_EV_COUNT];
  nmsim_ps end;
  bool stop;
  nmsim_status status;
  nmsim_err err;
  sim_engine_stats st;
  sim_remote_fn remote;
  void *remote_ctx;
  uint8_t kind_bound; /* at time `at` of sim_engine_run_before, the kinds it runs */
  nmsim_ps at;
};

nmsim_status sim_engine_create(const char *queue, const sim_pq_opts *opts, sim_engine **out,
                               nmsim_err *err) {
  *out = NULL;
  sim_engine *e = nm_calloc(1, sizeof *e);
  if (!e) return NMSIM_ENOMEM_ERR(err);
  nmsim_status rc = sim_pq_create(queue, opts, &e->q, err);
  if (rc != NMSIM_OK) goto fail;
  e->end = UINT64_MAX;
  e->kind_bound = SIM_EV_COUNT;
  *out = e;
  return NMSIM_OK;
fail:
  sim_engine_destroy(e);
  return rc;
}

void sim_engine_destroy(sim_engine *e) {
  if (!e) return;
  sim_pq_destroy(e->q);
  nm_free(e);
}

void sim_engine_set_handler(sim_engine *e, sim_event_kind kind, sim_handler h, void *ctx) {
  e->handler[kind] = h;
  e->ctx[kind] = ctx;
}

void sim_engine_set_end(sim_engine *e, nmsim_ps end) { e->end = end; }

nmsim_status sim_engine_schedule(sim_engine *e, const sim_event *ev) {
  if (NMSIM_UNLIKELY(e->status != NMSIM_OK)) return e->status;
  if (e->remote) {
    int taken = e->remote(e->remote_ctx, ev);
    if (taken > 0) return NMSIM_OK;
    if (taken < 0) {
      e->status = NMSIM_ENOMEM_ERR(&e->err);
      e->stop = true;
      return e->status;
    }
  }
  nmsim_status rc = sim_pq_push(e->q, ev, NULL, &e->err);
  if (NMSIM_UNLIKELY(rc != NMSIM_OK)) {
    e->status = rc;
    e->stop = true;
    return rc;
  }
  size_t n = sim_pq_size(e->q);
  if (n > e->st.max_pending) e->st.max_pending = n;
  return NMSIM_OK;
}

static inline void dispatch(sim_engine *e, const sim_event *ev);

nmsim_status sim_engine_schedule_now(sim_engine *e, const sim_event *ev) {
  if (NMSIM_UNLIKELY(e->status != NMSIM_OK)) return e->status;
  /* the loop would take it next: not stopped, at the current time (so not
   * before it: EPAST stays the queue's to report), a kind the loop runs at
   * this time, before everything queued, and not another process's */
  if (!e->stop && ev->time == sim_pq_now(e->q) &&
      (ev->kind < e->kind_bound || ev->time != e->at) && !e->remote &&
      sim_pq_precedes_all(e->q, ev)) {
    dispatch(e, ev);
    return e->status;
  }
  return sim_engine_schedule(e, ev);
}

void sim_engine_fail(sim_engine *e, const nmsim_err *err) {
  if (e->status == NMSIM_OK) {
    e->status = err->code != NMSIM_OK ? err->code : NMSIM_EINTERNAL;
    e->err = *err;
  }
  e->stop = true;
}

void sim_engine_fail_oom(sim_engine *e) {
  nmsim_err err = {0};
  NMSIM_ENOMEM_ERR(&err);
  sim_engine_fail(e, &err);
}

void sim_engine_stop(sim_engine *e) { e->stop = true; }

/* Drop a popped event past the end, or hand it to its kind's handler. */
static inline void dispatch(sim_engine *e, const sim_event *ev) {
  if (NMSIM_UNLIKELY(ev->time > e->end)) {
    e->st.past_end++;
    return;
  }
  sim_handler h = e->handler[ev->kind];
  if (NMSIM_UNLIKELY(!h)) NMSIM_PANIC("no handler for event kind %u", ev->kind);
  h(e->ctx[ev->kind], e, ev);
  e->st.dispatched++;
}

nmsim_status sim_engine_run(sim_engine *e, nmsim_err *err) {
  sim_event ev;
  e->stop = false;
  while (!e->stop && sim_pq_pop(e->q, &ev)) dispatch(e, &ev);
  if (e->status != NMSIM_OK && err) *err = e->err;
  return e->status;
}

void sim_engine_set_remote(sim_engine *e, sim_remote_fn f, void *ctx) {
  e->remote = f;
  e->remote_ctx = ctx;
}

nmsim_status sim_engine_run_until(sim_engine *e, nmsim_ps limit, nmsim_err *err) {
  sim_event ev;
  e->stop = false;
  while (!e->stop && sim_pq_peek_time(e->q) < limit && sim_pq_pop(e->q, &ev)) dispatch(e, &ev);
  if (e->status != NMSIM_OK && err) *err = e->err;
  return e->status;
}

nmsim_status sim_engine_run_before(sim_engine *e, nmsim_ps at, uint8_t kind, nmsim_err *err) {
  sim_event ev;
  e->stop = false;
  nmsim_status rc = sim_engine_run_until(e, at, err);
  e->kind_bound = kind;
  e->at = at;
  while (rc == NMSIM_OK && !e->stop && sim_pq_peek_time(e->q) == at && sim_pq_pop(e->q, &ev)) {
    if (ev.kind >= kind) {
      /* not yet: back in the queue, which keeps its place (time == now) */
      if (sim_pq_push(e->q, &ev, NULL, &e->err) != NMSIM_OK) e->status = e->err.code;
      break;
    }
    dispatch(e, &ev);
  }
  e->kind_bound = SIM_EV_COUNT;
  if (e->status != NMSIM_OK && err) *err = e->err;
  return e->status;
}

nmsim_ps sim_engine_next_time(sim_engine *e) { return sim_pq_peek_time(e->q); }

nmsim_ps sim_engine_now(const sim_engine *e) { return sim_pq_now(e->q); }
const sim_engine_stats *sim_engine_get_stats(const sim_engine *e) { return &e->st; }
