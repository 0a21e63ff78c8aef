/* test_engine.c: the run loop's contracts — dispatch order, the current-time
 * rule, rejection of events in the past, failures and the end time. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "sim/engine/engine.h"

typedef struct trace {
  sim_event seen[64];
  int n;
  int spawn_at_now;       /* on the first event, schedule this many events at now */
  bool spawn_past;        /* on the first event, schedule one in the past */
  nmsim_status spawn_rc;
} trace;

static void on_event(void *ctx, sim_engine *e, const sim_event *ev) {
  trace *t = ctx;
  t->seen[t->n++] = *ev;
  if (t->n == 1 && t->spawn_at_now) {
    for (int i = 0; i < t->spawn_at_now; i++) {
      /* kinds both below and above the current one, at the current time */
      sim_event x = {.time = ev->time, .kind = (uint8_t)(i % 2 ? SIM_EV_PKT_DELIVER : SIM_EV_STEP_START),
                     .dst = 7, .src = 9, .seq = (uint32_t)i};
      sim_engine_schedule(e, &x);
    }
  }
  if (t->n == 1 && t->spawn_past) {
    sim_event x = {.time = ev->time - 1, .kind = SIM_EV_PKT_HOP, .dst = 1, .src = 42, .seq = 0};
    t->spawn_rc = sim_engine_schedule(e, &x);
  }
}

static sim_engine *mk(const char *impl, trace *t) {
  sim_engine *e = NULL;
  nmsim_err err = {0};
  cr_assert_eq(sim_engine_create(impl, NULL, &e, &err), NMSIM_OK, "create %s: %s", impl, err.msg);
  for (int k = 0; k < SIM_EV_COUNT; k++) sim_engine_set_handler(e, (sim_event_kind)k, on_event, t);
  return e;
}

static const char *const impls[] = {"heap", "bucket"};

/* Events created at the current time run in the current pass, before any
 * later time, in key order among the events pending at that time. */
Test(engine, current_time_rule) {
  for (size_t q = 0; q < 2; q++) {
    trace t = {.spawn_at_now = 4};
    sim_engine *e = mk(impls[q], &t);
    sim_event a = {.time = 1000, .kind = SIM_EV_CORE_DONE, .dst = 3, .src = 3, .seq = 0};
    sim_event later = {.time = 1001, .kind = SIM_EV_PKT_DELIVER, .dst = 0, .src = 0, .seq = 0};
    sim_event same = {.time = 1000, .kind = SIM_EV_BARRIER_DONE, .dst = 0, .src = 0, .seq = 0};
    sim_engine_schedule(e, &a);
    sim_engine_schedule(e, &later);
    sim_engine_schedule(e, &same);
    nmsim_err err = {0};
    cr_assert_eq(sim_engine_run(e, &err), NMSIM_OK, "%s", err.msg);
    cr_assert_eq(t.n, 7, "%s: dispatched %d, expected 7", impls[q], t.n);
    /* a first; then at time 1000 in key order: the two DELIVERs made at now
     * (kind 0), the queued BARRIER_DONE, the two STEP_STARTs; then 1001 */
    uint8_t kinds[7] = {SIM_EV_CORE_DONE,    SIM_EV_PKT_DELIVER, SIM_EV_PKT_DELIVER,
                        SIM_EV_BARRIER_DONE, SIM_EV_STEP_START,  SIM_EV_STEP_START,
                        SIM_EV_PKT_DELIVER};
    nmsim_ps times[7] = {1000, 1000, 1000, 1000, 1000, 1000, 1001};
    for (int i = 0; i < 7; i++) {
      cr_assert_eq(t.seen[i].kind, kinds[i], "%s: event %d kind %u, expected %u", impls[q], i,
                   t.seen[i].kind, kinds[i]);
      cr_assert_eq(t.seen[i].time, times[i], "%s: event %d time %llu, expected %llu", impls[q],
                   i, (unsigned long long)t.seen[i].time, (unsigned long long)times[i]);
    }
    cr_assert_lt(t.seen[1].seq, t.seen[2].seq, "same-kind ties follow seq");
    sim_engine_destroy(e);
  }
}

/* An event in the past is rejected with EPAST, the message names its source
 * unit, and the run stops with that status. */
Test(engine, past_event_rejected) {
  for (size_t q = 0; q < 2; q++) {
    trace t = {.spawn_past = true};
    sim_engine *e = mk(impls[q], &t);
    sim_event a = {.time = 5000, .kind = SIM_EV_CORE_DONE, .dst = 3, .src = 3, .seq = 0};
    sim_event b = {.time = 6000, .kind = SIM_EV_CORE_DONE, .dst = 4, .src = 4, .seq = 0};
    sim_engine_schedule(e, &a);
    sim_engine_schedule(e, &b);
    nmsim_err err = {0};
    nmsim_status rc = sim_engine_run(e, &err);
    cr_assert_eq(t.spawn_rc, NMSIM_EPAST, "%s: schedule returned %d, expected EPAST", impls[q],
                 t.spawn_rc);
    cr_assert_eq(rc, NMSIM_EPAST, "%s: run returned %d, expected EPAST", impls[q], rc);
    cr_assert(strstr(err.msg, "42") != NULL, "message names source unit 42: '%s'", err.msg);
    cr_assert_eq(t.n, 1, "%s: the run stopped after the failing event (saw %d)", impls[q], t.n);
    sim_engine_destroy(e);
  }
}

/* Events beyond the end time are counted and dropped, never dispatched. */
Test(engine, end_time_drops) {
  trace t = {0};
  sim_engine *e = mk("bucket", &t);
  sim_engine_set_end(e, 2000);
  for (uint32_t i = 0; i < 5; i++) {
    sim_event a = {.time = 1000u * i, .kind = SIM_EV_CORE_DONE, .dst = i, .src = i, .seq = 0};
    sim_engine_schedule(e, &a);
  }
  nmsim_err err = {0};
  cr_assert_eq(sim_engine_run(e, &err), NMSIM_OK);
  cr_assert_eq(t.n, 3, "dispatched %d, expected 3 (times 0, 1000, 2000)", t.n);
  cr_assert_eq(sim_engine_get_stats(e)->past_end, 2, "past_end %llu, expected 2",
               (unsigned long long)sim_engine_get_stats(e)->past_end);
  sim_engine_destroy(e);
}

static void fail_handler(void *ctx, sim_engine *e, const sim_event *ev) {
  (void)ev;
  int *n = ctx;
  (*n)++;
  nmsim_err err = {0};
  snprintf(err.msg, sizeof err.msg, "unit failed on purpose");
  err.code = NMSIM_EINPUT;
  sim_engine_fail(e, &err);
}

/* A handler's failure stops the loop and is returned with its message. */
Test(engine, handler_failure_stops) {
  int n = 0;
  sim_engine *e = NULL;
  cr_assert_eq(sim_engine_create("heap", NULL, &e, NULL), NMSIM_OK);
  sim_engine_set_handler(e, SIM_EV_CORE_DONE, fail_handler, &n);
  for (uint32_t i = 0; i < 3; i++) {
    sim_event a = {.time = i, .kind = SIM_EV_CORE_DONE, .dst = i, .src = i, .seq = 0};
    sim_engine_schedule(e, &a);
  }
  nmsim_err err = {0};
  cr_assert_eq(sim_engine_run(e, &err), NMSIM_EINPUT);
  cr_assert_eq(n, 1, "handler ran %d times, expected 1", n);
  cr_assert_str_eq(err.msg, "unit failed on purpose");
  sim_engine_destroy(e);
}

/* An unknown queue implementation is an input error listing the valid ones. */
Test(engine, unknown_queue) {
  sim_engine *e = NULL;
  nmsim_err err = {0};
  cr_assert_eq(sim_engine_create("splay", NULL, &e, &err), NMSIM_EINPUT);
  cr_assert_null(e);
  cr_assert(strstr(err.msg, "heap") && strstr(err.msg, "bucket"), "lists choices: '%s'", err.msg);
}

/* For a run split over processes: the remote hook takes the events whose
 * destination it claims (they are never queued or run here); run_until runs
 * exactly the events below its limit, in order, and leaves the rest, whose
 * first time next_time reports. */
static int take_odd_dst(void *ctx, const sim_event *ev) {
  int *taken = ctx;
  if (!(ev->dst & 1)) return 0;
  (*taken)++;
  return 1;
}

Test(engine, windows_and_remote_hook) {
  for (size_t q = 0; q < 2; q++) {
    trace t = {0};
    int taken = 0;
    sim_engine *e = mk(impls[q], &t);
    sim_engine_set_remote(e, take_odd_dst, &taken);
    for (uint32_t i = 0; i < 10; i++) {
      sim_event ev = {.time = 100 * (i / 2), .kind = SIM_EV_PKT_HOP, .dst = i, .src = 0, .seq = i};
      cr_assert_eq(sim_engine_schedule(e, &ev), NMSIM_OK);
    }
    cr_assert_eq(taken, 5, "%s: remote took %d, expected 5", impls[q], taken);
    nmsim_err err = {0};
    cr_assert_eq(sim_engine_run_until(e, 200, &err), NMSIM_OK, "%s", err.msg);
    cr_assert_eq(t.n, 2, "%s: ran %d below 200 ps, expected 2 (times 0, 100)", impls[q], t.n);
    cr_assert_eq(t.seen[0].dst, 0);
    cr_assert_eq(t.seen[1].dst, 2);
    cr_assert_eq(sim_engine_next_time(e), 200, "%s: next %llu, expected 200", impls[q],
                 (unsigned long long)sim_engine_next_time(e));
    cr_assert_eq(sim_engine_run_until(e, UINT64_MAX, &err), NMSIM_OK);
    cr_assert_eq(t.n, 5, "%s: ran %d in all, expected 5", impls[q], t.n);
    cr_assert_eq(sim_engine_next_time(e), UINT64_MAX);
    sim_engine_destroy(e);
  }
}

/* sim_engine_schedule_now handles an event at once only when the run loop
 * would take it next: a cascade of events, each making some at the current
 * time (of every kind, so some precede what is queued and some do not) and
 * some later, the last with sim_engine_schedule_now, is handled in the same
 * order, event for event, as with sim_engine_schedule alone; some are handled
 * inside their maker's handler. Also with sim_engine_run_before, whose kind
 * bound the immediate handling keeps. */
typedef struct cascade {
  bool now;               /* make events with sim_engine_schedule_now */
  int depth, nested;      /* handlers running; entries into a running one */
  uint32_t next_seq, limit;
  sim_event seen[4096];
  int n;
} cascade;

static uint64_t mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  return x;
}

static void on_cascade(void *ctx, sim_engine *e, const sim_event *ev) {
  cascade *c = ctx;
  if (c->depth) c->nested++;
  c->depth++;
  cr_assert_lt(c->n, 4096);
  c->seen[c->n++] = *ev;
  uint64_t r = mix((uint64_t)ev->seq * 31 + ev->kind);
  int n = (int)(r % 4);
  for (int k = 0; k < n && c->next_seq < c->limit; k++) {
    uint64_t q = mix(r + (uint64_t)k);
    sim_event x = {.time = ev->time + (q % 4 == 0 ? 0 : q % 4 == 1 ? 0 : (q >> 8) % 50),
                   .kind = (uint8_t)((q >> 16) % SIM_EV_COUNT),
                   .dst = (uint32_t)((q >> 24) % 5),
                   .src = 1,
                   .seq = c->next_seq++};
    if (c->now && k == n - 1) sim_engine_schedule_now(e, &x); /* the handler's last */
    else sim_engine_schedule(e, &x);
  }
  c->depth--;
}

static void run_cascade(const char *impl, cascade *c, bool before) {
  sim_engine *e = NULL;
  nmsim_err err = {0};
  cr_assert_eq(sim_engine_create(impl, NULL, &e, &err), NMSIM_OK, "%s", err.msg);
  for (int k = 0; k < SIM_EV_COUNT; k++) sim_engine_set_handler(e, (sim_event_kind)k, on_cascade, c);
  for (uint32_t i = 0; i < 8; i++) {
    sim_event s = {.time = 100 * (i % 3), .kind = (uint8_t)(i % SIM_EV_COUNT), .dst = i, .src = 0, .seq = i};
    cr_assert_eq(sim_engine_schedule(e, &s), NMSIM_OK);
  }
  c->next_seq = 8;
  if (before) /* up to time 200, kinds below STEP_START at 200 */
    cr_assert_eq(sim_engine_run_before(e, 200, SIM_EV_STEP_START, &err), NMSIM_OK, "%s", err.msg);
  else
    cr_assert_eq(sim_engine_run(e, &err), NMSIM_OK, "%s", err.msg);
  sim_engine_destroy(e);
}

Test(engine, schedule_now_keeps_the_order) {
  for (size_t q = 0; q < 2; q++)
    for (int before = 0; before < 2; before++) {
      static cascade a, b;
      memset(&a, 0, sizeof a);
      memset(&b, 0, sizeof b);
      a.limit = b.limit = 3000;
      b.now = true;
      run_cascade(impls[q], &a, before);
      run_cascade(impls[q], &b, before);
      cr_assert_gt(a.n, 500, "%s: %d events", impls[q], a.n);
      cr_assert_eq(a.n, b.n, "%s, before %d: %d events queued, %d with schedule_now", impls[q],
                   before, a.n, b.n);
      for (int i = 0; i < a.n; i++)
        cr_assert(a.seen[i].time == b.seen[i].time && a.seen[i].kind == b.seen[i].kind &&
                      a.seen[i].dst == b.seen[i].dst && a.seen[i].seq == b.seen[i].seq,
                  "%s, before %d: event %d differs", impls[q], before, i);
      cr_assert_eq(a.nested, 0);
      cr_assert_gt(b.nested, 10, "%s: %d handled at once", impls[q], b.nested);
    }
}

/* Nor does it run an event of a kind that sim_engine_run_before leaves for
 * later, or one made after the run was stopped. */
static int bound_seen[SIM_EV_COUNT];
static void on_bound(void *ctx, sim_engine *e, const sim_event *ev) {
  (void)ctx;
  bound_seen[ev->kind]++;
  if (ev->kind == SIM_EV_PKT_DELIVER) { /* makes a PE_TICK at now, its last event */
    sim_event x = {.time = ev->time, .kind = SIM_EV_PE_TICK, .dst = 0, .src = 0, .seq = 1};
    sim_engine_schedule_now(e, &x);
  }
  if (ev->kind == SIM_EV_CORE_DONE) { /* stops the run, then makes a DELIVER at now */
    sim_engine_stop(e);
    sim_event x = {.time = ev->time, .kind = SIM_EV_PKT_DELIVER, .dst = 0, .src = 0, .seq = 2};
    sim_engine_schedule_now(e, &x);
  }
}

Test(engine, schedule_now_respects_bounds_and_stop) {
  for (size_t q = 0; q < 2; q++) {
    sim_engine *e = NULL;
    nmsim_err err = {0};
    cr_assert_eq(sim_engine_create(impls[q], NULL, &e, &err), NMSIM_OK, "%s", err.msg);
    for (int k = 0; k < SIM_EV_COUNT; k++) sim_engine_set_handler(e, (sim_event_kind)k, on_bound, NULL);
    memset(bound_seen, 0, sizeof bound_seen);
    sim_event d = {.time = 100, .kind = SIM_EV_PKT_DELIVER, .dst = 0, .src = 0, .seq = 0};
    cr_assert_eq(sim_engine_schedule(e, &d), NMSIM_OK);
    cr_assert_eq(sim_engine_run_before(e, 100, SIM_EV_STEP_START, &err), NMSIM_OK, "%s", err.msg);
    cr_assert_eq(bound_seen[SIM_EV_PKT_DELIVER], 1);
    cr_assert_eq(bound_seen[SIM_EV_PE_TICK], 0, "%s: a PE_TICK ran before its bound", impls[q]);
    cr_assert_eq(sim_engine_next_time(e), 100, "the PE_TICK waits in the queue");
    cr_assert_eq(sim_engine_run(e, &err), NMSIM_OK, "%s", err.msg);
    cr_assert_eq(bound_seen[SIM_EV_PE_TICK], 1);
    sim_event c = {.time = 200, .kind = SIM_EV_CORE_DONE, .dst = 0, .src = 0, .seq = 0};
    cr_assert_eq(sim_engine_schedule(e, &c), NMSIM_OK);
    cr_assert_eq(sim_engine_run(e, &err), NMSIM_OK, "%s", err.msg);
    cr_assert_eq(bound_seen[SIM_EV_PKT_DELIVER], 1, "%s: an event ran after the stop", impls[q]);
    cr_assert_eq(sim_engine_next_time(e), 200, "the DELIVER waits in the queue");
    sim_engine_destroy(e);
  }
}
