/* bench_pq.c: hold-model throughput (pop + push per second) of every event
 * queue implementation with 1e6 pending events, for step-like increments
 * (many ties) and exponential increments.
 * Usage: bench_pq [ops] [pending] [impl] [dist]: impl (heap, bucket) and dist
 * (step, exp) limit the run to one queue and one distribution. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/engine/pq.h"

enum { N_UNITS = 1024 };

static uint64_t rng_next(uint64_t *s) { /* splitmix64 */
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* Step: 1..16 whole nanoseconds, so pending events share 16 timestamps.
 * Exponential: mean 1 us, rounded down to ps. */
static nmsim_ps inc_step(uint64_t *s) { return 1000 * (1 + rng_next(s) % 16); }
static nmsim_ps inc_exp(uint64_t *s) {
  double u = ((double)(rng_next(s) >> 11) + 0.5) * 0x1.0p-53;
  return (nmsim_ps)(-1e6 * log(u));
}

static const struct dist {
  const char *name;
  nmsim_ps (*inc)(uint64_t *);
} dists[] = {{"step(1-16ns)", inc_step}, {"exp(1us)", inc_exp}};

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The random draws of a push: its increment and its units. */
typedef struct draw {
  nmsim_ps inc;
  uint32_t dst, src;
  uint8_t kind;
} draw;

/* Draws are made before the clock starts and then cycled through, so that
 * the figure is the queue's and not the random number generator's (a log()
 * per exponential draw costs about as much as a pop). 2^16 of them fit in
 * the L2 cache. */
enum { N_DRAWS = 1 << 16 };

static void make_draws(draw *dr, const struct dist *d) {
  uint64_t rng = 12345;
  for (size_t i = 0; i < N_DRAWS; i++) {
    dr[i].inc = d->inc(&rng);
    uint64_t r = rng_next(&rng);
    dr[i].kind = (uint8_t)(r % 4);
    dr[i].dst = (uint32_t)(r >> 8) % N_UNITS;
    dr[i].src = (uint32_t)(r >> 24) % N_UNITS;
  }
}

static inline void push_or_die(sim_pq *q, sim_event *e, const draw *d, uint32_t *seqc) {
  e->time += d->inc;
  e->kind = d->kind;
  e->dst = d->dst;
  e->src = d->src;
  e->seq = seqc[d->src]++;
  nmsim_err err;
  if (NMSIM_UNLIKELY(sim_pq_push(q, e, NULL, &err) != NMSIM_OK)) {
    fprintf(stderr, "bench_pq: push failed: %s\n", err.msg);
    exit(1);
  }
}

/* One hold-model run: fill with n events, then ops times pop one and push
 * one at its time plus an increment. Returns pop+push pairs per second. */
static double hold(const char *impl, const struct dist *d, size_t n, size_t ops) {
  sim_pq *q;
  nmsim_err err;
  if (sim_pq_create(impl, NULL, &q, &err) != NMSIM_OK) {
    fprintf(stderr, "bench_pq: %s\n", err.msg);
    exit(1);
  }
  static uint32_t seqc[N_UNITS];
  static draw dr[N_DRAWS];
  memset(seqc, 0, sizeof seqc);
  make_draws(dr, d);
  sim_event e = {0};
  for (size_t i = 0; i < n; i++) {
    e.time = 0; /* the fill: times are one increment from 0 */
    push_or_die(q, &e, &dr[i % N_DRAWS], seqc);
  }
  double t0 = now_s();
  for (size_t i = 0; i < ops; i++) {
    if (NMSIM_UNLIKELY(!sim_pq_pop(q, &e))) {
      fprintf(stderr, "bench_pq: queue ran empty\n");
      exit(1);
    }
    push_or_die(q, &e, &dr[(n + i) % N_DRAWS], seqc);
  }
  double dt = now_s() - t0;
  sim_pq_destroy(q);
  return (double)ops / dt;
}

int main(int argc, char **argv) {
  size_t ops = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 5000000;
  size_t n = argc > 2 ? (size_t)strtoull(argv[2], NULL, 10) : 1000000;
  const char *only = argc > 3 ? argv[3] : NULL, *only_dist = argc > 4 ? argv[4] : NULL;
  for (size_t di = 0; di < sizeof dists / sizeof dists[0]; di++)
    for (size_t i = 0; sim_pq_impls[i]; i++) {
      if (only && strcmp(only, sim_pq_impls[i]) != 0) continue;
      if (only_dist && strncmp(only_dist, dists[di].name, strlen(only_dist)) != 0) continue;
      double r = hold(sim_pq_impls[i], &dists[di], n, ops);
      printf("bench_pq impl=%-6s dist=%-12s pending=%zu ops=%zu: %.3e ops/s (%.1f ns per pop+push)\n",
             sim_pq_impls[i], dists[di].name, n, ops, r, 1e9 / r);
      fflush(stdout);
    }
  return 0;
}
