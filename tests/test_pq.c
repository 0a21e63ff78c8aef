/* test_pq.c: the event queue contract (sim/engine/pq.h), run over every name in
 * sim_pq_impls: total order with ties, current-time rule, cancellation,
 * scheduling errors, out-of-memory, and a 1e6-event differential test. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/engine/pq.h"

/* ---- helpers -------------------------------------------------------------- */

#define FOR_EACH_IMPL(impl) \
  for (size_t impl##_i_ = 0; sim_pq_impls[impl##_i_]; impl##_i_++) \
    for (const char *impl = sim_pq_impls[impl##_i_]; impl; impl = NULL)

/* Assert got == want (as uint64_t), printing both; arguments are evaluated
 * twice, so pass expressions without side effects. */
#define EXPECT_U64(impl, what, got, want)                                         \
  cr_assert((uint64_t)(got) == (uint64_t)(want),                                  \
            "[%s] %s: got %" PRIu64 ", expected %" PRIu64, (impl), (what),        \
            (uint64_t)(got), (uint64_t)(want))
#define EXPECT_STATUS(impl, what, got, want)                                        \
  cr_assert((got) == (want), "[%s] %s: got %s, expected %s", (impl), (what),        \
            nmsim_status_name(got), nmsim_status_name(want))

static sim_event ev_make(nmsim_ps t, unsigned kind, uint32_t dst, uint32_t src, uint32_t seq) {
  sim_event e;
  memset(&e, 0, sizeof e);
  e.time = t;
  e.kind = (uint8_t)kind;
  e.dst = dst;
  e.src = src;
  e.seq = seq;
  return e;
}

static const char *ev_str(const sim_event *e, char *buf, size_t n) {
  snprintf(buf, n, "(t=%" PRIu64 " kind=%u dst=%" PRIu32 " src=%" PRIu32 " seq=%" PRIu32 ")",
           e->time, (unsigned)e->kind, e->dst, e->src, e->seq);
  return buf;
}

static void expect_ev(const char *impl, size_t i, const sim_event *got, const sim_event *want) {
  char a[96], b[96];
  cr_assert(sim_event_cmp(got, want) == 0 && got->data.u64[0] == want->data.u64[0],
            "[%s] pop %zu: got %s payload %" PRIu64 ", expected %s payload %" PRIu64, impl, i,
            ev_str(got, a, sizeof a), got->data.u64[0], ev_str(want, b, sizeof b),
            want->data.u64[0]);
}

static sim_pq *q_new(const char *impl, const sim_pq_opts *o) {
  sim_pq *q = NULL;
  nmsim_err err = {0};
  nmsim_status st = sim_pq_create(impl, o, &q, &err);
  cr_assert(st == NMSIM_OK && q, "[%s] create: got %s (%s), expected OK", impl,
            nmsim_status_name(st), err.msg);
  return q;
}

static sim_event_id push_ok(const char *impl, sim_pq *q, const sim_event *e) {
  sim_event_id id = 0;
  nmsim_err err = {0};
  nmsim_status st = sim_pq_push(q, e, &id, &err);
  char b[96];
  cr_assert(st == NMSIM_OK, "[%s] push %s: got %s (%s), expected OK", impl,
            ev_str(e, b, sizeof b), nmsim_status_name(st), err.msg);
  cr_assert(id != 0, "[%s] push returned handle 0", impl);
  return id;
}

static uint64_t rng_next(uint64_t *s) { /* splitmix64 */
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static void shuffle(sim_event *a, size_t n, uint64_t seed) {
  for (size_t i = n; i > 1; i--) {
    size_t j = (size_t)(rng_next(&seed) % i);
    sim_event t = a[i - 1];
    a[i - 1] = a[j];
    a[j] = t;
  }
}

static int cmp_qsort(const void *a, const void *b) { return sim_event_cmp(a, b); }

/* Options that make the bucket ring tiny, so that most events overflow. */
static const sim_pq_opts small_ring = {.bucket_width = 10, .n_buckets = 8};

/* ---- total order ---------------------------------------------------------- */

Test(pq_contract, ties_broken_by_kind_dst_src_seq) {
  /* Invariant: at equal time, pops follow kind, then dst, then src, then seq,
   * whatever the insertion order (ascending, descending, scrambled). */
  static const unsigned kinds[] = {0, 2, 5};
  static const uint32_t dsts[] = {2, 5}, srcs[] = {1, 8}, seqs[] = {4, 6};
  static const nmsim_ps times[] = {100, 200};
  enum { N = 2 * 3 * 2 * 2 * 2 };
  sim_event sorted[N];
  size_t n = 0; /* nested loops in key order give the expected order */
  for (size_t t = 0; t < 2; t++)
    for (size_t k = 0; k < 3; k++)
      for (size_t d = 0; d < 2; d++)
        for (size_t s = 0; s < 2; s++)
          for (size_t q = 0; q < 2; q++) {
            sorted[n] = ev_make(times[t], kinds[k], dsts[d], srcs[s], seqs[q]);
            sorted[n].data.u64[0] = n;
            n++;
          }
  FOR_EACH_IMPL(impl) {
    for (int order = 0; order < 5; order++) {
      sim_event in[N];
      for (size_t i = 0; i < N; i++) in[i] = sorted[order == 1 ? N - 1 - i : i];
      if (order >= 2) shuffle(in, N, 1000u + (uint64_t)order);
      sim_pq_opts o = {.bucket_width = 1, .n_buckets = 4};
      sim_pq *q = q_new(impl, order == 4 ? &o : NULL);
      for (size_t i = 0; i < N; i++) push_ok(impl, q, &in[i]);
      for (size_t i = 0; i < N; i++) {
        sim_event got;
        cr_assert(sim_pq_pop(q, &got), "[%s] order %d: queue empty at pop %zu of %d", impl,
                  order, i, N);
        expect_ev(impl, i, &got, &sorted[i]);
      }
      sim_event got;
      cr_assert(!sim_pq_pop(q, &got), "[%s] order %d: extra event popped", impl, order);
      sim_pq_destroy(q);
    }
  }
}

Test(pq_contract, ties_both_insertion_orders_pairwise) {
  /* Invariant: for two events differing only in one key, the smaller key
   * pops first whether it was pushed first or second. */
  const sim_event base = ev_make(50, 3, 10, 20, 30);
  FOR_EACH_IMPL(impl) {
    for (int field = 0; field < 5; field++) {
      sim_event lo = base, hi = base;
      switch (field) {
      case 0: hi.time++; break;
      case 1: hi.kind++; break;
      case 2: hi.dst++; break;
      case 3: hi.src++; break;
      default: hi.seq++; break;
      }
      lo.data.u64[0] = 1;
      hi.data.u64[0] = 2;
      for (int first_hi = 0; first_hi < 2; first_hi++) {
        sim_pq *q = q_new(impl, NULL);
        push_ok(impl, q, first_hi ? &hi : &lo);
        push_ok(impl, q, first_hi ? &lo : &hi);
        sim_event a, b;
        cr_assert(sim_pq_pop(q, &a) && sim_pq_pop(q, &b), "[%s] two pops", impl);
        expect_ev(impl, 0, &a, &lo);
        expect_ev(impl, 1, &b, &hi);
        sim_pq_destroy(q);
      }
    }
  }
}

/* ---- randomized differential test ----------------------------------------- */

/* One run of the differential test. Every push has a key greater than the
 * last popped key (time == now is allowed), so the pop sequence must equal
 * the sorted list of all pushed, not cancelled events. */
typedef struct drec {
  sim_event_id id;
  uint8_t popped, cancelled;
} drec;

typedef struct dstate {
  const char *impl;
  sim_pq *q;
  uint64_t rng;
  sim_event *pushed; /* by push index (payload = index) */
  drec *rec;
  size_t n_push, n_max;
  sim_event *pops;
  size_t n_pop;
  size_t pending;    /* expected sim_pq_size */
  size_t n_cancel;
  bool have_last;
  sim_event last;    /* last popped */
  uint32_t seqc[16]; /* per-source sequence numbers */
  int far_pct;       /* percent of pushes far beyond the default horizon */
} dstate;

static void d_push(dstate *s) {
  nmsim_ps now = sim_pq_now(s->q);
  uint64_t r = rng_next(&s->rng);
  unsigned pick = (unsigned)(r % 100);
  uint64_t r2 = rng_next(&s->rng);
  nmsim_ps t;
  if ((int)pick < s->far_pct) t = now + 5000000 + r2 % ((uint64_t)1 << 40); /* overflow */
  else if (pick < 20) t = now;                                  /* current-time pushes */
  else if (pick < 60) t = (now / 1000 + 1 + r2 % 8) * 1000;     /* step-like: many ties */
  else if (pick < 90) t = now + r2 % 5000;
  else t = now + r2 % ((uint64_t)1 << 20);
  uint32_t src = (uint32_t)(r >> 8) % 16;
  sim_event e = ev_make(t, (unsigned)(r >> 16) % 4, (uint32_t)(r >> 24) % 16, src,
                        s->seqc[src]++);
  if (s->have_last && sim_event_cmp(&e, &s->last) <= 0) e.time = now + 1;
  size_t i = s->n_push++;
  e.data.u64[0] = i;
  e.data.u64[1] = r;
  s->pushed[i] = e;
  s->rec[i].id = 0;
  s->rec[i].popped = s->rec[i].cancelled = 0;
  sim_event_id id = 0;
  nmsim_err err = {0};
  nmsim_status st = sim_pq_push(s->q, &e, &id, &err);
  if (st != NMSIM_OK)
    cr_assert_fail("[%s] push %zu: got %s (%s), expected OK", s->impl, i, nmsim_status_name(st),
            err.msg);
  s->rec[i].id = id;
  s->pending++;
}

static void d_pop(dstate *s) {
  nmsim_ps peek = UINT64_MAX;
  bool check_peek = (rng_next(&s->rng) & 7) == 0;
  if (check_peek) peek = sim_pq_peek_time(s->q);
  sim_event e;
  bool ok = sim_pq_pop(s->q, &e);
  if (ok != (s->pending > 0))
    cr_assert_fail("[%s] pop %zu: returned %d with %zu pending", s->impl, s->n_pop, ok, s->pending);
  if (!ok) {
    if (check_peek && peek != UINT64_MAX)
      cr_assert_fail("[%s] peek_time on empty: got %" PRIu64 ", expected UINT64_MAX", s->impl, peek);
    return;
  }
  uint64_t i = e.data.u64[0];
  char a[96], b[96];
  if (i >= s->n_push || s->rec[i].popped || s->rec[i].cancelled)
    cr_assert_fail("[%s] pop %zu: event %s (push %" PRIu64 ") was %s", s->impl, s->n_pop,
            ev_str(&e, a, sizeof a), i,
            i >= s->n_push ? "never pushed" : s->rec[i].popped ? "already popped" : "cancelled");
  if (s->have_last && sim_event_cmp(&e, &s->last) <= 0)
    cr_assert_fail("[%s] pop %zu: %s after %s", s->impl, s->n_pop, ev_str(&e, a, sizeof a),
            ev_str(&s->last, b, sizeof b));
  if (check_peek && peek != e.time)
    cr_assert_fail("[%s] pop %zu: peek_time said %" PRIu64 ", pop gave %" PRIu64, s->impl, s->n_pop,
            peek, e.time);
  s->rec[i].popped = 1;
  s->pops[s->n_pop++] = e;
  s->pending--;
  s->last = e;
  s->have_last = true;
}

static void d_cancel(dstate *s) {
  if (!s->n_push) return;
  size_t i = (size_t)(rng_next(&s->rng) % s->n_push);
  bool want = !s->rec[i].popped && !s->rec[i].cancelled;
  bool got = sim_pq_cancel(s->q, s->rec[i].id);
  if (got != want)
    cr_assert_fail("[%s] cancel of push %zu (popped=%d cancelled=%d): got %d, expected %d", s->impl,
            i, s->rec[i].popped, s->rec[i].cancelled, got, want);
  if (want) {
    s->rec[i].cancelled = 1;
    s->pending--;
    s->n_cancel++;
  }
}

static void d_check_size(dstate *s) {
  size_t n = sim_pq_size(s->q);
  if (n != s->pending)
    cr_assert_fail("[%s] size after %zu pushes, %zu pops: got %zu, expected %zu", s->impl, s->n_push,
            s->n_pop, n, s->pending);
}

/* Run n_max pushes in phases (bulk push, hold model with cancels, bulk pop),
 * drain, and check the pops against the sorted reference. Returns the pops
 * (caller frees) and their count. */
static sim_event *d_run(const char *impl, const sim_pq_opts *o, size_t n_max, int far_pct,
                        uint64_t seed, size_t *n_pops) {
  dstate s;
  memset(&s, 0, sizeof s);
  s.impl = impl;
  s.q = q_new(impl, o);
  s.rng = seed;
  s.n_max = n_max;
  s.far_pct = far_pct;
  s.pushed = malloc(n_max * sizeof *s.pushed);
  s.rec = malloc(n_max * sizeof *s.rec);
  s.pops = malloc(n_max * sizeof *s.pops);
  cr_assert(s.pushed && s.rec && s.pops, "test out of memory");
  const size_t bulk_push = n_max / 50 + 1, hold = n_max / 10 + 1, bulk_pop = n_max / 70 + 1;
  while (s.n_push < n_max) {
    for (size_t k = 0; k < bulk_push && s.n_push < n_max; k++) d_push(&s);
    d_check_size(&s);
    for (size_t k = 0; k < hold && s.n_push < n_max; k++) {
      d_pop(&s); /* hold model: pop one, push 0..2 (1 on average) */
      uint64_t r = rng_next(&s.rng);
      if (r % 8 == 0) (void)sim_pq_peek_time(s.q); /* look ahead, then push at now */
      unsigned m = (unsigned)(r / 8 % 3);
      for (unsigned j = 0; j < m && s.n_push < n_max; j++) d_push(&s);
      if (rng_next(&s.rng) % 20 == 0) d_cancel(&s);
      d_check_size(&s);
    }
    for (size_t k = 0; k < bulk_pop; k++) d_pop(&s);
    d_check_size(&s);
  }
  while (s.pending) d_pop(&s);
  d_check_size(&s);
  sim_event e;
  cr_assert(!sim_pq_pop(s.q, &e), "[%s] pop after drain returned an event", impl);
  sim_pq_destroy(s.q);

  /* The sorted reference: every pushed event not cancelled. */
  size_t n_ref = 0;
  for (size_t i = 0; i < s.n_push; i++)
    if (!s.rec[i].cancelled) s.pushed[n_ref++] = s.pushed[i];
  qsort(s.pushed, n_ref, sizeof *s.pushed, cmp_qsort);
  cr_assert(s.n_pop == n_ref, "[%s] popped %zu events, expected %zu (%zu pushed, %zu cancelled)",
            impl, s.n_pop, n_ref, s.n_push, s.n_cancel);
  cr_assert(s.n_cancel > 0, "[%s] the run cancelled nothing", impl);
  for (size_t i = 0; i < n_ref; i++)
    if (sim_event_cmp(&s.pops[i], &s.pushed[i]) != 0 ||
        s.pops[i].data.u64[0] != s.pushed[i].data.u64[0])
      expect_ev(impl, i, &s.pops[i], &s.pushed[i]);
  free(s.pushed);
  free(s.rec);
  *n_pops = s.n_pop;
  return s.pops;
}

/* Compare the pop sequences of every implementation for one configuration. */
static void d_all(const sim_pq_opts *o, size_t n, int far_pct, uint64_t seed) {
  sim_event *first = NULL;
  size_t n_first = 0;
  FOR_EACH_IMPL(impl) {
    size_t n_pops;
    sim_event *pops = d_run(impl, o, n, far_pct, seed, &n_pops);
    if (!first) {
      first = pops;
      n_first = n_pops;
      continue;
    }
    cr_assert(n_pops == n_first, "[%s] %zu pops, %s gave %zu", impl, n_pops, sim_pq_impls[0],
              n_first);
    for (size_t i = 0; i < n_pops; i++)
      if (memcmp(&pops[i], &first[i], sizeof *pops) != 0) expect_ev(impl, i, &pops[i], &first[i]);
    free(pops);
  }
  free(first);
}

Test(pq_contract, differential_1e6_against_sorted_reference) {
  /* Invariant: over 1,000,000 pushes with many ties, interleaved hold-model
   * pops, bulk phases and random cancels, every implementation pops exactly
   * the sorted (sim_event_cmp) list of non-cancelled events, cancel reports
   * pending vs stale correctly, size tracks, and all pop sequences agree. */
  d_all(NULL, 1000000, 3, 42);
}

Test(pq_contract, differential_small_ring_overflow) {
  /* Invariant: the same holds when most events lie beyond the bucket
   * horizon (a ring of 8 x 10 ps, of 13 x 7 ps), exercising the overflow
   * heap. */
  d_all(&small_ring, 100000, 30, 7);
  sim_pq_opts one = {.bucket_width = 1, .n_buckets = 1};
  d_all(&one, 50000, 10, 8);
  /* a ring whose width and bucket count are not powers of two (slots and
   * grid come from divisions, not masks) */
  sim_pq_opts odd = {.bucket_width = 7, .n_buckets = 13};
  d_all(&odd, 50000, 30, 9);
}

/* ---- scheduling boundary -------------------------------------------------- */

Test(pq_contract, epast_rejected_naming_source) {
  /* Invariant: a push with time < now fails with NMSIM_EPAST, its message
   * names the source unit and both times, and nothing is queued. */
  FOR_EACH_IMPL(impl) {
    sim_pq *q = q_new(impl, NULL);
    sim_event a = ev_make(5000, 0, 1, 2, 0), got;
    push_ok(impl, q, &a);
    cr_assert(sim_pq_pop(q, &got), "[%s] pop", impl);
    EXPECT_U64(impl, "now", sim_pq_now(q), 5000);
    sim_event past = ev_make(4999, 1, 3, 77, 9);
    nmsim_err err = {0};
    sim_event_id id = 0;
    nmsim_status st = sim_pq_push(q, &past, &id, &err);
    EXPECT_STATUS(impl, "push in the past", st, NMSIM_EPAST);
    EXPECT_STATUS(impl, "err.code", err.code, NMSIM_EPAST);
    cr_assert(strstr(err.msg, "unit 77") && strstr(err.msg, "4999") && strstr(err.msg, "5000"),
              "[%s] message should name source unit 77 and times 4999, 5000: \"%s\"", impl,
              err.msg);
    EXPECT_U64(impl, "size after EPAST", sim_pq_size(q), 0);
    EXPECT_U64(impl, "peek after EPAST", sim_pq_peek_time(q), UINT64_MAX);
    sim_event at_now = ev_make(5000, 1, 3, 77, 9);
    push_ok(impl, q, &at_now);
    EXPECT_U64(impl, "size", sim_pq_size(q), 1);
    sim_pq_destroy(q);
  }
}

Test(pq_contract, current_time_rule) {
  /* Invariant: an event pushed at time == now during dispatch runs before
   * any later time, in key order among the events still pending at now (so
   * possibly before an already queued same-time event with a larger key),
   * also after peek_time has looked past now. */
  const sim_pq_opts opts[] = {{0}, {.bucket_width = 1, .n_buckets = 4}, small_ring};
  FOR_EACH_IMPL(impl) {
    for (size_t oi = 0; oi < NM_ARRAY_LEN(opts); oi++) {
      sim_pq *q = q_new(impl, &opts[oi]);
      sim_event A = ev_make(10, 1, 0, 0, 0), B = ev_make(10, 3, 0, 0, 1),
                C = ev_make(20, 0, 0, 0, 2), F = ev_make(10, 1, 5, 0, 3),
                D = ev_make(10, 2, 0, 1, 0), E = ev_make(10, 0, 0, 1, 1),
                G = ev_make(10, 4, 0, 1, 2), H = ev_make(10, 0, 9, 1, 3);
      const sim_event *want[] = {&A, &E, &F, &D, &B, &G, &H, &C};
      sim_event *all[] = {&A, &B, &C, &D, &E, &F, &G, &H};
      for (size_t i = 0; i < NM_ARRAY_LEN(all); i++) all[i]->data.u64[0] = i;
      push_ok(impl, q, &C);
      push_ok(impl, q, &B);
      push_ok(impl, q, &F);
      push_ok(impl, q, &A);
      sim_event got;
      size_t k = 0;
      cr_assert(sim_pq_pop(q, &got), "[%s] pop", impl);
      expect_ev(impl, k, &got, want[k]);
      k++;
      /* "dispatch" of A schedules D and E at now */
      push_ok(impl, q, &D);
      push_ok(impl, q, &E);
      for (; k < 5; k++) {
        cr_assert(sim_pq_pop(q, &got), "[%s] pop %zu", impl, k);
        expect_ev(impl, k, &got, want[k]);
        if (k == 1) push_ok(impl, q, &G); /* dispatch of E schedules G at now */
      }
      cr_assert(sim_pq_pop(q, &got), "[%s] pop 5", impl);
      expect_ev(impl, 5, &got, &G);
      /* Look ahead past now, then push at now: it still runs first. */
      EXPECT_U64(impl, "peek_time", sim_pq_peek_time(q), 20);
      EXPECT_U64(impl, "now after peek", sim_pq_now(q), 10);
      push_ok(impl, q, &H);
      EXPECT_U64(impl, "peek_time after push at now", sim_pq_peek_time(q), 10);
      for (k = 6; k < 8; k++) {
        cr_assert(sim_pq_pop(q, &got), "[%s] pop %zu", impl, k);
        expect_ev(impl, k, &got, want[k]);
      }
      cr_assert(!sim_pq_pop(q, &got), "[%s] extra pop", impl);
      sim_pq_destroy(q);
    }
  }
}

/* ---- cancellation --------------------------------------------------------- */

Test(pq_contract, cancel_pending_and_stale) {
  /* Invariant: cancel of a pending event returns true and it never pops;
   * cancel of a popped, already cancelled, reused-slot, zero or garbage
   * handle returns false and changes nothing. */
  FOR_EACH_IMPL(impl) {
    sim_pq *q = q_new(impl, NULL);
    sim_event a = ev_make(1, 0, 0, 0, 0), b = ev_make(2, 0, 0, 0, 1),
              c = ev_make(3, 0, 0, 0, 2), d = ev_make(4, 0, 0, 0, 3), got;
    sim_event_id ia = push_ok(impl, q, &a), ib = push_ok(impl, q, &b);
    push_ok(impl, q, &c);
    cr_assert(sim_pq_cancel(q, ib), "[%s] cancel pending b: got false, expected true", impl);
    EXPECT_U64(impl, "size after cancel", sim_pq_size(q), 2);
    cr_assert(!sim_pq_cancel(q, ib), "[%s] cancel b twice: got true, expected false", impl);
    cr_assert(sim_pq_pop(q, &got), "[%s] pop", impl);
    expect_ev(impl, 0, &got, &a);
    cr_assert(!sim_pq_cancel(q, ia), "[%s] cancel popped a: got true, expected false", impl);
    sim_event_id id_d = push_ok(impl, q, &d); /* may reuse a's slot */
    cr_assert(!sim_pq_cancel(q, ia), "[%s] cancel stale a after reuse: got true", impl);
    cr_assert(!sim_pq_cancel(q, 0), "[%s] cancel(0): got true", impl);
    cr_assert(!sim_pq_cancel(q, UINT64_MAX), "[%s] cancel(UINT64_MAX): got true", impl);
    cr_assert(!sim_pq_cancel(q, (uint64_t)1 << 32 | 999), "[%s] cancel(unused slot): got true",
              impl);
    EXPECT_U64(impl, "peek skips cancelled b", sim_pq_peek_time(q), 3);
    cr_assert(sim_pq_pop(q, &got), "[%s] pop", impl);
    expect_ev(impl, 1, &got, &c);
    cr_assert(sim_pq_pop(q, &got), "[%s] pop", impl);
    expect_ev(impl, 2, &got, &d);
    cr_assert(!sim_pq_cancel(q, id_d), "[%s] cancel popped d: got true", impl);
    cr_assert(!sim_pq_pop(q, &got), "[%s] extra pop", impl);
    EXPECT_U64(impl, "size at end", sim_pq_size(q), 0);
    /* cancel everything that is queued: nothing pops */
    sim_event_id ids[100];
    for (uint32_t i = 0; i < 100; i++) {
      sim_event e = ev_make(10 + i % 7, i % 3, i, 0, i);
      ids[i] = push_ok(impl, q, &e);
    }
    for (size_t i = 0; i < 100; i++)
      cr_assert(sim_pq_cancel(q, ids[i]), "[%s] cancel %zu of 100: got false", impl, i);
    EXPECT_U64(impl, "size after cancelling all", sim_pq_size(q), 0);
    EXPECT_U64(impl, "peek after cancelling all", sim_pq_peek_time(q), UINT64_MAX);
    cr_assert(!sim_pq_pop(q, &got), "[%s] pop after cancelling all", impl);
    sim_pq_destroy(q);
  }
}

Test(pq_contract, cancelled_key_may_be_reused) {
  /* Invariant: an event equal on every key to a cancelled one (a retracted
   * and re-sent spike) is not a duplicate: it queues and pops normally. */
  FOR_EACH_IMPL(impl) {
    sim_pq *q = q_new(impl, NULL);
    sim_event a = ev_make(30, 1, 2, 3, 4), x = ev_make(30, 0, 0, 0, 0), got;
    a.data.u64[0] = 1;
    push_ok(impl, q, &x);
    sim_event_id ia = push_ok(impl, q, &a);
    cr_assert(sim_pq_cancel(q, ia), "[%s] cancel", impl);
    a.data.u64[0] = 2;
    push_ok(impl, q, &a);
    cr_assert(sim_pq_pop(q, &got), "[%s] pop", impl);
    expect_ev(impl, 0, &got, &x);
    cr_assert(sim_pq_pop(q, &got), "[%s] pop", impl);
    expect_ev(impl, 1, &got, &a);
    cr_assert(!sim_pq_pop(q, &got), "[%s] extra pop", impl);
    sim_pq_destroy(q);
  }
}

/* ---- pool ----------------------------------------------------------------- */

Test(pq_contract, epool_names_knob_and_recovers) {
  /* Invariant: with max_events pending, push fails with NMSIM_EPOOL naming
   * engine.max_events, nothing changes, and after a pop pushes work again. */
  FOR_EACH_IMPL(impl) {
    sim_pq_opts o = {.max_events = 100};
    sim_pq *q = q_new(impl, &o);
    for (uint32_t i = 0; i < 100; i++) {
      sim_event e = ev_make(1000 - i * 7, 0, 0, 0, i);
      e.data.u64[0] = i;
      push_ok(impl, q, &e);
    }
    sim_event extra = ev_make(1500, 0, 0, 1, 0), got;
    nmsim_err err = {0};
    sim_event_id id = 0;
    nmsim_status st = sim_pq_push(q, &extra, &id, &err);
    EXPECT_STATUS(impl, "push beyond max_events", st, NMSIM_EPOOL);
    cr_assert(strstr(err.msg, "engine.max_events"),
              "[%s] message should name engine.max_events: \"%s\"", impl, err.msg);
    EXPECT_U64(impl, "size after EPOOL", sim_pq_size(q), 100);
    cr_assert(sim_pq_pop(q, &got), "[%s] pop", impl);
    EXPECT_U64(impl, "least time", got.time, 1000 - 99 * 7);
    push_ok(impl, q, &extra);
    st = sim_pq_push(q, &extra, &id, &err);
    EXPECT_STATUS(impl, "second push beyond max_events", st, NMSIM_EPOOL);
    nmsim_ps prev = 0;
    size_t n = 0;
    while (sim_pq_pop(q, &got)) {
      cr_assert(got.time >= prev, "[%s] time %" PRIu64 " after %" PRIu64, impl, got.time, prev);
      prev = got.time;
      n++;
    }
    EXPECT_U64(impl, "events drained", n, 100);
    for (uint32_t i = 0; i < 100; i++) {
      sim_event e = ev_make(2000 + i, 0, 0, 2, i);
      push_ok(impl, q, &e);
    }
    EXPECT_U64(impl, "size refilled", sim_pq_size(q), 100);
    sim_pq_destroy(q); /* frees pending events */
  }
}

/* ---- overflow, peek, size, create/destroy --------------------------------- */

Test(pq_contract, far_beyond_horizon) {
  /* Invariant: events far beyond the bucket horizon (up to UINT64_MAX) pop
   * in key order, with ring, overflow and jumps mixed. */
  static const nmsim_ps special[] = {0,       5,          79,         80,
                                     81,      1000000,    1000000,    1000000000000ull,
                                     4096000, 4095999,    UINT64_MAX, UINT64_MAX - 1,
                                     UINT64_MAX, (uint64_t)1 << 63, 12345678901234ull};
  enum { NS = sizeof special / sizeof special[0], NR = 3000, N = NS + NR };
  static sim_event ref[N];
  uint64_t rng = 99;
  for (size_t i = 0; i < N; i++) {
    uint64_t r = rng_next(&rng), shift = rng_next(&rng) % 64;
    nmsim_ps t = i < NS ? special[i] : r >> shift;
    ref[i] = ev_make(t, (unsigned)(i % 3), (uint32_t)(i % 5), 0, (uint32_t)i);
    ref[i].data.u64[0] = i;
  }
  sim_event in[N];
  memcpy(in, ref, sizeof in);
  shuffle(in, N, 5);
  qsort(ref, N, sizeof *ref, cmp_qsort);
  const sim_pq_opts opts[] = {{0}, small_ring};
  FOR_EACH_IMPL(impl) {
    for (size_t oi = 0; oi < 2; oi++) {
      sim_pq *q = q_new(impl, &opts[oi]);
      /* half pushed up front, the rest while popping (when after the last pop) */
      size_t next = N / 2, k = 0;
      for (size_t i = 0; i < next; i++) push_ok(impl, q, &in[i]);
      sim_event got;
      static sim_event popped[N];
      while (sim_pq_pop(q, &got)) {
        popped[k++] = got;
        for (int j = 0; j < 2 && next < N; j++, next++)
          if (sim_event_cmp(&in[next], &got) > 0) push_ok(impl, q, &in[next]);
          else in[next].data.u64[1] = 1; /* skipped: would precede the last pop */
      }
      cr_assert(next == N, "[%s] not all pushes attempted", impl);
      size_t r = 0;
      for (size_t i = 0; i < k; i++) {
        while (r < N && !(sim_event_cmp(&ref[r], &popped[i]) == 0)) r++;
        cr_assert(r < N, "[%s] pop %zu out of order (t=%" PRIu64 ")", impl, i, popped[i].time);
        if (i)
          cr_assert(sim_event_cmp(&popped[i - 1], &popped[i]) < 0,
                    "[%s] pop %zu: t=%" PRIu64 " after t=%" PRIu64, impl, i, popped[i].time,
                    popped[i - 1].time);
      }
      size_t skipped = 0;
      for (size_t i = N / 2; i < N; i++) skipped += in[i].data.u64[1] == 1;
      for (size_t i = N / 2; i < N; i++) in[i].data.u64[1] = 0;
      EXPECT_U64(impl, "events popped", k, N - skipped);
      EXPECT_U64(impl, "last time", popped[k - 1].time, UINT64_MAX);
      sim_pq_destroy(q);
    }
  }
}

Test(pq_contract, peek_time_and_now) {
  /* Invariant: peek_time is the least pending time (UINT64_MAX if none),
   * skips cancelled events, and never changes now. */
  FOR_EACH_IMPL(impl) {
    sim_pq *q = q_new(impl, NULL);
    EXPECT_U64(impl, "peek empty", sim_pq_peek_time(q), UINT64_MAX);
    EXPECT_U64(impl, "now initially", sim_pq_now(q), 0);
    sim_event a = ev_make(30000, 0, 0, 0, 0), b = ev_make(10, 0, 0, 0, 1),
              c = ev_make(20000000, 0, 0, 0, 2), got;
    push_ok(impl, q, &a);
    push_ok(impl, q, &b);
    sim_event_id ic = push_ok(impl, q, &c);
    EXPECT_U64(impl, "peek", sim_pq_peek_time(q), 10);
    EXPECT_U64(impl, "now after peek", sim_pq_now(q), 0);
    cr_assert(sim_pq_pop(q, &got), "[%s] pop", impl);
    EXPECT_U64(impl, "now after pop", sim_pq_now(q), 10);
    EXPECT_U64(impl, "peek", sim_pq_peek_time(q), 30000);
    cr_assert(sim_pq_pop(q, &got), "[%s] pop", impl);
    EXPECT_U64(impl, "peek far", sim_pq_peek_time(q), 20000000);
    EXPECT_U64(impl, "now", sim_pq_now(q), 30000);
    cr_assert(sim_pq_cancel(q, ic), "[%s] cancel", impl);
    EXPECT_U64(impl, "peek after cancel", sim_pq_peek_time(q), UINT64_MAX);
    EXPECT_U64(impl, "now", sim_pq_now(q), 30000);
    sim_pq_destroy(q);
  }
}

Test(pq_contract, size_counts_pending) {
  /* Invariant: size = pushes - pops - successful cancels. */
  FOR_EACH_IMPL(impl) {
    sim_pq *q = q_new(impl, NULL);
    EXPECT_U64(impl, "size empty", sim_pq_size(q), 0);
    sim_event_id ids[50];
    for (uint32_t i = 0; i < 50; i++) {
      sim_event e = ev_make((nmsim_ps)(i % 10) * 1000, 0, i, 0, i);
      ids[i] = push_ok(impl, q, &e);
      EXPECT_U64(impl, "size while pushing", sim_pq_size(q), i + 1);
    }
    for (size_t i = 0; i < 50; i += 5) sim_pq_cancel(q, ids[i]);
    EXPECT_U64(impl, "size after 10 cancels", sim_pq_size(q), 40);
    sim_event got;
    for (size_t i = 0; i < 15; i++) cr_assert(sim_pq_pop(q, &got), "[%s] pop", impl);
    EXPECT_U64(impl, "size after 15 pops", sim_pq_size(q), 25);
    while (sim_pq_pop(q, &got)) {}
    EXPECT_U64(impl, "size drained", sim_pq_size(q), 0);
    sim_pq_destroy(q);
  }
}

Test(pq_contract, create_names_destroy_null) {
  /* Invariant: create resolves every listed name (sim_pq_impl echoes it),
   * rejects unknown names and impossible options with NMSIM_EINPUT (message
   * lists the valid names) leaving *out NULL, and destroy accepts NULL. */
  sim_pq_destroy(NULL);
  FOR_EACH_IMPL(impl) {
    sim_pq *q = q_new(impl, NULL);
    cr_assert_str_eq(sim_pq_impl(q), impl, "[%s] sim_pq_impl: got %s", impl, sim_pq_impl(q));
    sim_pq_destroy(q);
    sim_pq_opts bad = {.bucket_width = UINT64_MAX / 2, .n_buckets = 4};
    nmsim_err err = {0};
    q = (sim_pq *)&err;
    nmsim_status st = sim_pq_create(impl, &bad, &q, &err);
    EXPECT_STATUS(impl, "create with n_buckets*width > 2^64", st, NMSIM_EINPUT);
    cr_assert(q == NULL, "[%s] *out not NULL on error", impl);
  }
  sim_pq *q = NULL;
  nmsim_err err = {0};
  nmsim_status st = sim_pq_create("calendar", NULL, &q, &err);
  EXPECT_STATUS("-", "create(\"calendar\")", st, NMSIM_EINPUT);
  cr_assert(q == NULL, "*out not NULL on error");
  for (size_t i = 0; sim_pq_impls[i]; i++)
    cr_assert(strstr(err.msg, sim_pq_impls[i]) && strstr(err.msg, "calendar"),
              "message should name \"calendar\" and list %s: \"%s\"", sim_pq_impls[i], err.msg);
  st = sim_pq_create(NULL, NULL, &q, &err);
  EXPECT_STATUS("-", "create(NULL)", st, NMSIM_EINPUT);
}

/* ---- wide keys, adaptive width -------------------------------------------- */

/* Events whose keys spread over every bit of kind, dst, src and seq, in
 * groups equal on kind, dst and the top 11 bits of src: in one "bucket"
 * bucket they need more bits than a sort word has, so groups of equal prefix
 * are ordered by comparing the events (long groups and short ones). Fills
 * ev[0..n) and returns n. */
static size_t wide_events(sim_event *ev, size_t cap, nmsim_ps t0, uint64_t seed) {
  uint64_t rng = seed;
  size_t n = 0;
  for (uint32_t g = 0; n < cap; g++) {
    uint64_t r = rng_next(&rng);
    size_t len = g % 3 == 0 ? 40 : 1 + g % 4;
    uint32_t dst = g * 2654435761u, src_hi = (uint32_t)(r >> 8) & 0x7ff;
    for (size_t j = 0; j < len && n < cap; j++, n++) {
      uint64_t r2 = rng_next(&rng);
      ev[n] = ev_make(t0 + (g % 5 == 0 ? r2 % 700 : 0), (unsigned)(r & 0xff), dst,
                      src_hi << 21 | (uint32_t)j << 10 | (uint32_t)(r2 >> 40 & 0x3ff),
                      (uint32_t)(r2 >> 8));
      ev[n].data.u64[0] = n;
    }
  }
  return n;
}

Test(pq_contract, wide_keys_pop_in_order) {
  /* Invariant: events whose key fields spread over all their bits, many in
   * one bucket, pop in key order (the bucket queue's prefix words). */
  enum { N = 6000 };
  static sim_event ref[N], in[N];
  size_t n = wide_events(ref, N, 7000, 11);
  memcpy(in, ref, sizeof in);
  shuffle(in, n, 12);
  qsort(ref, n, sizeof *ref, cmp_qsort);
  const sim_pq_opts opts[] = {{0}, {.bucket_width = 1000, .n_buckets = 64}};
  FOR_EACH_IMPL(impl) {
    for (size_t oi = 0; oi < NM_ARRAY_LEN(opts); oi++) {
      sim_pq *q = q_new(impl, &opts[oi]);
      for (size_t i = 0; i < n; i++) push_ok(impl, q, &in[i]);
      for (size_t i = 0; i < n; i++) {
        sim_event got;
        cr_assert(sim_pq_pop(q, &got), "[%s] queue empty at pop %zu of %zu", impl, i, n);
        expect_ev(impl, i, &got, &ref[i]);
      }
      sim_event got;
      cr_assert(!sim_pq_pop(q, &got), "[%s] extra pop", impl);
      sim_pq_destroy(q);
    }
  }
}

/* One step of a hold-model run shared by two queues: the same calls on both
 * must give the same results. */
typedef struct hold2 {
  sim_pq *q[2];
  uint64_t rng;
  uint32_t seqc[64];
  sim_event_id ids[2][256]; /* recent handles, for cancels */
  size_t n_pops;
} hold2;

static void hold2_push(hold2 *h, nmsim_ps t) {
  uint64_t r = rng_next(&h->rng);
  uint32_t src = (uint32_t)(r % 64);
  sim_event e = ev_make(t, (unsigned)(r >> 8) % 4, (uint32_t)(r >> 16) % 1024, src, h->seqc[src]++);
  e.data.u64[0] = r;
  size_t k = (size_t)(r >> 40) % 256;
  for (int i = 0; i < 2; i++) {
    nmsim_err err = {0};
    nmsim_status st = sim_pq_push(h->q[i], &e, &h->ids[i][k], &err);
    cr_assert(st == NMSIM_OK, "[%s] push: %s", sim_pq_impl(h->q[i]), err.msg);
  }
}

/* Pop from both and compare; pushes one event at now + inc (and now and then
 * one more at now, a cancel or a peek). */
static void hold2_step(hold2 *h, nmsim_ps inc) {
  sim_event a, b;
  bool oa = sim_pq_pop(h->q[0], &a), ob = sim_pq_pop(h->q[1], &b);
  cr_assert(oa && ob, "pop %zu: %d, %d", h->n_pops, oa, ob);
  if (memcmp(&a, &b, sizeof a) != 0) expect_ev(sim_pq_impl(h->q[1]), h->n_pops, &b, &a);
  h->n_pops++;
  hold2_push(h, a.time + inc);
  uint64_t r = rng_next(&h->rng);
  if (r % 53 == 0) hold2_push(h, a.time);
  if (r % 61 == 0) {
    size_t k = (size_t)(r >> 8) % 256;
    bool ca = sim_pq_cancel(h->q[0], h->ids[0][k]), cb = sim_pq_cancel(h->q[1], h->ids[1][k]);
    cr_assert(ca == cb, "cancel at pop %zu: %d, %d", h->n_pops, ca, cb);
  }
  if (r % 67 == 0)
    EXPECT_U64(sim_pq_impl(h->q[1]), "peek", sim_pq_peek_time(h->q[1]), sim_pq_peek_time(h->q[0]));
}

static nmsim_ps inc_exp_us(uint64_t *rng) {
  double u = ((double)(rng_next(rng) >> 11) + 0.5) * 0x1.0p-53;
  return (nmsim_ps)(-1e6 * log(u));
}

Test(pq_contract, adaptive_width_matches_heap) {
  /* Invariant: with an automatic bucket width, through a spread-out phase
   * (the width grows), a phase of heavy ties at two times per lap (it
   * narrows), then spread out again, "bucket" pops exactly what "heap" pops,
   * with pushes at now, cancels and peeks in between. */
  enum { N = 90000 };
  hold2 h;
  memset(&h, 0, sizeof h);
  h.rng = 77;
  h.q[0] = q_new("heap", NULL);
  h.q[1] = q_new("bucket", NULL);
  uint64_t ri = 5;
  for (size_t i = 0; i < N; i++) hold2_push(&h, 1000 + inc_exp_us(&ri));
  for (size_t i = 0; i < 150000; i++) hold2_step(&h, inc_exp_us(&ri));
  for (size_t i = 0; i < 800000; i++) hold2_step(&h, 1000 * (1 + rng_next(&ri) % 2));
  for (size_t i = 0; i < 100000; i++) hold2_step(&h, inc_exp_us(&ri) / 8);
  size_t left = sim_pq_size(h.q[0]);
  EXPECT_U64("bucket", "size", sim_pq_size(h.q[1]), left);
  for (size_t i = 0; i < left; i++) {
    sim_event a, b;
    cr_assert(sim_pq_pop(h.q[0], &a) && sim_pq_pop(h.q[1], &b), "drain %zu", i);
    if (memcmp(&a, &b, sizeof a) != 0) expect_ev("bucket", h.n_pops + i, &b, &a);
  }
  sim_pq_destroy(h.q[0]);
  sim_pq_destroy(h.q[1]);
}

/* ---- out of memory -------------------------------------------------------- */

/* An allocator that fails call number fail_at (0-based) and counts live
 * blocks. */
static struct {
  long fail_at, calls, live, callocs;
} fa;

static void *fa_malloc(size_t n) {
  if (fa.calls++ == fa.fail_at) return NULL;
  void *p = malloc(n);
  if (p) fa.live++;
  return p;
}
static void *fa_calloc(size_t c, size_t n) {
  fa.callocs++;
  if (fa.calls++ == fa.fail_at) return NULL;
  void *p = calloc(c, n);
  if (p) fa.live++;
  return p;
}
static void *fa_realloc(void *p, size_t n) {
  if (fa.calls++ == fa.fail_at) return NULL;
  void *r = realloc(p, n);
  if (r && !p) fa.live++;
  return r;
}
static void fa_free(void *p) {
  if (p) fa.live--;
  free(p);
}

/* Create a queue and push 9000 events (ring, current bucket and overflow,
 * three slabs) into a pool of exactly 9000. Returns true if no allocation failed. On a failure checks
 * NMSIM_ENOMEM, that nothing was queued, that the queue still works, and
 * destroys it. */
static bool oom_scenario(const char *impl, long n) {
  enum { NEV = 9000 };
  /* max_events = NEV: a slot lost on a failed push would show as EPOOL */
  sim_pq_opts o = {.max_events = NEV, .bucket_width = 100, .n_buckets = 16};
  sim_pq *q = NULL;
  nmsim_err err = {0};
  nmsim_status st = sim_pq_create(impl, &o, &q, &err);
  if (st != NMSIM_OK) {
    EXPECT_STATUS(impl, "create under OOM", st, NMSIM_ENOMEM);
    cr_assert(q == NULL, "[%s] fail at %ld: *out not NULL", impl, n);
    return false;
  }
  bool failed = false;
  size_t pushed = 0;
  for (uint32_t i = 0; i < NEV; i++) {
    nmsim_ps t = i % 10 == 0 ? 1000000 + (nmsim_ps)i * 13 : ((nmsim_ps)i * 7919) % 3000;
    sim_event e = ev_make(t, i % 4, i % 7, 1, i);
    st = sim_pq_push(q, &e, NULL, &err);
    if (st != NMSIM_OK) {
      EXPECT_STATUS(impl, "push under OOM", st, NMSIM_ENOMEM);
      EXPECT_U64(impl, "size after failed push", sim_pq_size(q), pushed);
      failed = true;
      push_ok(impl, q, &e); /* the allocator fails once: now it succeeds */
    }
    pushed++;
  }
  sim_event got, prev = ev_make(0, 0, 0, 0, 0);
  size_t k = 0;
  while (sim_pq_pop(q, &got)) {
    cr_assert(k == 0 || sim_event_cmp(&prev, &got) < 0, "[%s] fail at %ld: pop %zu out of order",
              impl, n, k);
    prev = got;
    k++;
  }
  EXPECT_U64(impl, "pops", k, NEV);
  sim_pq_destroy(q);
  return !failed;
}

Test(pq_contract, out_of_memory_every_allocation) {
  /* Invariant: failing the Nth allocation, for every N until create and
   * 9000 pushes succeed, returns NMSIM_ENOMEM from create or push, leaves
   * the queue usable and leaks nothing. */
  static const nm_allocator fail_alloc = {fa_malloc, fa_realloc, fa_calloc, fa_free};
  nmsim_set_allocator(&fail_alloc);
  FOR_EACH_IMPL(impl) {
    long n = 0;
    for (;; n++) {
      fa.fail_at = n;
      fa.calls = 0;
      fa.live = 0;
      bool ok = oom_scenario(impl, n);
      cr_assert(fa.live == 0, "[%s] fail at allocation %ld: %ld blocks leaked", impl, n, fa.live);
      if (ok) break;
      cr_assert(n < 100000, "[%s] never succeeded", impl);
    }
    cr_assert(n > 3, "[%s] only %ld allocations were failed", impl, n);
  }
  nmsim_set_allocator(NULL);
}

/* A "bucket" queue with an automatic width: NEV dense events (128 to a
 * bucket of the first width), then (burst 0) hold-model pops and pushes
 * keeping the density, long enough for the width to widen, or (burst 1) one
 * pop and HOLD pushes at its time, into the front's range (both regrid, in a
 * push). A push failing with NMSIM_ENOMEM is retried (the allocator fails
 * once). Checks the pops and destroys the queue. *calls_fill and
 * *callocs_fill: fa's counts after the fill. */
static void regrid_scenario(int burst, long *calls_fill, long *callocs_fill) {
  enum { NEV = 33000, HOLD = 17000 };
  sim_pq_opts o = {.n_buckets = 64}; /* few buckets: fewer allocations to fail */
  sim_pq *q = NULL;
  nmsim_err err = {0};
  nmsim_status st = sim_pq_create("bucket", &o, &q, &err);
  if (st != NMSIM_OK) {
    EXPECT_STATUS("bucket", "create under OOM", st, NMSIM_ENOMEM);
    return;
  }
  size_t pushed = 0;
  nmsim_ps now = 0;
  for (uint32_t i = 0; i < NEV + HOLD; i++) {
    if (i == NEV) {
      *calls_fill = fa.calls;
      *callocs_fill = fa.callocs;
    }
    if (i >= NEV && (!burst || i == NEV)) {
      sim_event got;
      cr_assert(sim_pq_pop(q, &got), "pop %u", i - NEV);
      now = got.time;
      pushed--;
    }
    sim_event e = ev_make(burst && i >= NEV ? now : 1024 + (nmsim_ps)i * 8, i % 3, i % 11, 2, i);
    st = sim_pq_push(q, &e, NULL, &err);
    if (st != NMSIM_OK) {
      EXPECT_STATUS("bucket", "push under OOM", st, NMSIM_ENOMEM);
      EXPECT_U64("bucket", "size after failed push", sim_pq_size(q), pushed);
      push_ok("bucket", q, &e);
    }
    pushed++;
  }
  sim_event got, prev = ev_make(0, 0, 0, 0, 0);
  size_t k = 0;
  while (sim_pq_pop(q, &got)) {
    cr_assert(k == 0 || sim_event_cmp(&prev, &got) < 0, "pop %zu out of order", k);
    prev = got;
    k++;
  }
  EXPECT_U64("bucket", "pops", k, pushed);
  sim_pq_destroy(q);
}

Test(pq_contract, out_of_memory_while_regridding) {
  /* Invariant: when the automatic width changes (the ring is rebuilt inside a
   * push), failing any one allocation of the hold phase returns NMSIM_ENOMEM
   * from that push or leaves the width as it was, the queue pops in order,
   * and nothing leaks. */
  static const nm_allocator fail_alloc = {fa_malloc, fa_realloc, fa_calloc, fa_free};
  nmsim_set_allocator(&fail_alloc);
  for (int burst = 0; burst < 2; burst++) {
    long calls_fill = 0, callocs_fill = 0;
    fa.fail_at = -1;
    fa.calls = fa.live = fa.callocs = 0;
    regrid_scenario(burst, &calls_fill, &callocs_fill);
    long calls = fa.calls;
    cr_assert(fa.live == 0, "%ld blocks leaked", fa.live);
    /* A rebuild allocates with calloc; nothing else after the fill does. */
    cr_assert(fa.callocs - callocs_fill >= 4, "burst %d: no regrid (%ld callocs)", burst,
              fa.callocs - callocs_fill);
    for (long n = calls_fill; n < calls; n++) {
      fa.fail_at = n;
      fa.calls = fa.live = 0;
      long c = 0, cc = 0;
      regrid_scenario(burst, &c, &cc);
      cr_assert(fa.live == 0, "burst %d, fail at allocation %ld: %ld blocks leaked", burst, n,
                fa.live);
    }
  }
  nmsim_set_allocator(NULL);
}

/* ---- panics --------------------------------------------------------------- */

/* Queue two events equal on every key (among others) and pop everything.
 * The first has a handle unless bare; the second never has (as the engine
 * pushes: no handle is kept for such events, so both paths must panic). */
static void duplicate_scenario_as(const char *impl, nmsim_ps t, bool bare) {
  sim_pq *q = q_new(impl, NULL);
  for (uint32_t i = 0; i < 64; i++) {
    sim_event e = ev_make(t - 32 + i, 1, 2, 3, 100 + i);
    push_ok(impl, q, &e);
  }
  sim_event dup = ev_make(t, 1, 2, 3, 4), got;
  if (bare) cr_assert(sim_pq_push(q, &dup, NULL, NULL) == NMSIM_OK, "[%s] bare push", impl);
  else push_ok(impl, q, &dup);
  dup.data.u64[0] = 1; /* payload differs; keys do not */
  sim_pq_push(q, &dup, NULL, NULL);
  while (sim_pq_pop(q, &got)) {}
  sim_pq_destroy(q);
}

static void duplicate_scenario(const char *impl, nmsim_ps t) { duplicate_scenario_as(impl, t, false); }

Test(pq_panic, duplicate_key_without_handles_heap, .signal = SIGABRT) {
  /* Invariant: the duplicate check holds for events pushed without handles. */
  duplicate_scenario_as("heap", 5000, true);
}

Test(pq_panic, duplicate_key_without_handles_bucket, .signal = SIGABRT) {
  duplicate_scenario_as("bucket", 50000, true);
}

Test(pq_panic, duplicate_key_heap, .signal = SIGABRT) {
  /* Invariant: two queued events equal on every key panic (abort). */
  duplicate_scenario("heap", 5000);
}

Test(pq_panic, duplicate_key_bucket_current, .signal = SIGABRT) {
  /* Invariant: as above, with both in the bucket queue's current heap. */
  duplicate_scenario("bucket", 40);
}

Test(pq_panic, duplicate_key_bucket_ring, .signal = SIGABRT) {
  /* Invariant: as above, with both in one ring bucket (met when loaded). */
  duplicate_scenario("bucket", 50000);
}

Test(pq_panic, duplicate_key_bucket_overflow, .signal = SIGABRT) {
  /* Invariant: as above, with both beyond the horizon (overflow heap). */
  duplicate_scenario("bucket", 50000000);
}

Test(pq_panic, duplicate_key_bucket_prefix, .signal = SIGABRT) {
  /* Invariant: as above, with both in a bucket of keys wider than a sort
   * word (met when ordered by comparing the events). */
  enum { N = 3000 };
  static sim_event ev[N];
  size_t n = wide_events(ev, N, 9000, 3);
  sim_pq *q = q_new("bucket", NULL);
  for (size_t i = 0; i < n; i++) push_ok("bucket", q, &ev[i]);
  sim_pq_push(q, &ev[n / 2], NULL, NULL);
  sim_event got;
  while (sim_pq_pop(q, &got)) {}
  sim_pq_destroy(q);
}
