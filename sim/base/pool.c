/* pool.c: a team of threads for the parts of a job (see pool.h). A job is
 * published by bumping a generation number (release); each worker runs its
 * part and counts itself done (release); the caller, after its own part,
 * waits for the count (acquire), so everything the parts wrote is visible to
 * it. */
#include "sim/base/pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <time.h>

#include "sim/base/sim_int.h"

struct nm_pool {
  unsigned parts;
  pthread_t *threads;
  unsigned started;
  nm_pool_fn fn;
  void *ctx;
  atomic_uint gen;    /* bumped for every job (and once more to stop) */
  atomic_uint done;   /* workers done with the current job */
  atomic_bool stop;
};

typedef struct worker {
  nm_pool *p;
  unsigned part;
} worker;

/* Wait until *v differs from `seen`: spin, then yield the core, then sleep
 * 20 us at a time (an idle pool between runs). */
static unsigned wait_change(atomic_uint *v, unsigned seen) {
  unsigned now;
  for (unsigned k = 0; (now = atomic_load_explicit(v, memory_order_acquire)) == seen; k++) {
    if (k < 4096) continue;
    if (k < 65536) {
      sched_yield();
      continue;
    }
    struct timespec ts = {0, 20000};
    nanosleep(&ts, NULL);
  }
  return now;
}

static void *worker_main(void *arg) {
  worker *w = arg;
  nm_pool *p = w->p;
  unsigned seen = 0;
  for (;;) {
    seen = wait_change(&p->gen, seen);
    if (atomic_load_explicit(&p->stop, memory_order_acquire)) break;
    p->fn(p->ctx, w->part, p->parts);
    atomic_fetch_add_explicit(&p->done, 1, memory_order_acq_rel);
  }
  nm_free(w);
  return NULL;
}

unsigned nm_pool_parts(const nm_pool *p) { return p->parts; }

nmsim_status nm_pool_create(unsigned threads, nm_pool **out) {
  *out = NULL;
  if (threads < 2) return NMSIM_EINVAL;
  nm_pool *p = nm_calloc(1, sizeof *p);
  if (!p) return NMSIM_ENOMEM;
  p->parts = threads;
  atomic_init(&p->gen, 0);
  atomic_init(&p->done, 0);
  atomic_init(&p->stop, false);
  p->threads = nm_calloc(threads, sizeof *p->threads);
  if (!p->threads) {
    nm_free(p);
    return NMSIM_ENOMEM;
  }
  for (unsigned k = 1; k < threads; k++) {
    worker *w = nm_malloc(sizeof *w);
    if (!w) {
      nm_pool_destroy(p);
      return NMSIM_ENOMEM;
    }
    *w = (worker){.p = p, .part = k};
    if (pthread_create(&p->threads[k], NULL, worker_main, w) != 0) {
      nm_free(w);
      nm_pool_destroy(p);
      return NMSIM_EINTERNAL;
    }
    p->started++;
  }
  *out = p;
  return NMSIM_OK;
}

void nm_pool_run(nm_pool *p, nm_pool_fn fn, void *ctx) {
  p->fn = fn;
  p->ctx = ctx;
  atomic_store_explicit(&p->done, 0, memory_order_relaxed);
  atomic_fetch_add_explicit(&p->gen, 1, memory_order_release);
  fn(ctx, 0, p->parts);
  for (unsigned k = 0; atomic_load_explicit(&p->done, memory_order_acquire) != p->started; k++)
    if (k >= 4096) sched_yield();
}

void nm_pool_destroy(nm_pool *p) {
  if (!p) return;
  atomic_store_explicit(&p->stop, true, memory_order_release);
  atomic_fetch_add_explicit(&p->gen, 1, memory_order_release);
  for (unsigned k = 1; k <= p->started; k++) pthread_join(p->threads[k], NULL);
  nm_free(p->threads);
  nm_free(p);
}
