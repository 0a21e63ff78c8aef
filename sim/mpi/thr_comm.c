/* thr_comm.c: the nmc_* calls of mpi_comm.h, dispatched to a team of threads
 * of this process when the calling thread belongs to one (nmc_team_run),
 * else to the process transport (MPI or the stub, sim/mpi/mpi_proc.h).
 *
 * A team is the ranks of a partitioned run as threads: each runs the same
 * conservative windows as an MPI rank, and the collectives meet at a
 * barrier over shared memory. Every reduction combines the records in rank
 * order (and the ones that reach every member are exact anyway), so a run on
 * N threads gives the bits of a run on N ranks and of one process. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>

#include "sim/mpi/mpi_comm.h"
#include "sim/mpi/mpi_proc.h"

enum { NMC_REC_WORDS = 128 }; /* longest all-reduce record, as MPI's */

/* A sense-reversing barrier that spins: the members of a run meet at every
 * window's end, thousands of times a second, and a sleeping barrier costs a
 * wake-up (tens of microseconds) each time. A member that has spun a while
 * yields its core, so more members than cores still make progress. */
typedef struct nmc_bar {
  atomic_int count, sense;
  int n;
} nmc_bar;

typedef struct nmc_team {
  int size;
  nmc_bar bar;
  /* what each member posts for a collective, read after the barrier */
  const nmc_buf **out;   /* exchange: its outboxes, by its neighbour index */
  const int **nb;        /* ... and its neighbours */
  int *n_nb;
  uint64_t **rec;        /* all-reduce and reduce: its record */
  const uint32_t **words;
  size_t *n_words;       /* all-gather */
  int *status;           /* agree */
} nmc_team;

static _Thread_local nmc_team *tl_team;
static _Thread_local int tl_rank, tl_sense;

void nmc_record_combine(const nmc_layout *l, uint64_t *b, const uint64_t *a) {
  int k = 0;
  for (int i = 0; i < l->n_min; i++, k++) b[k] = a[k] < b[k] ? a[k] : b[k];
  for (int i = 0; i < l->n_max; i++, k++) b[k] = a[k] > b[k] ? a[k] : b[k];
  for (int i = 0; i < l->n_sum; i++, k++) b[k] += a[k];
  for (int i = 0; i < l->n_fx; i++, k += 2) {
    uint64_t lo = b[k + 1] + a[k + 1];
    b[k] += a[k] + (lo < a[k + 1]);
    b[k + 1] = lo;
  }
}

static void team_wait(void) {
  nmc_bar *b = &tl_team->bar;
  int s = tl_sense = !tl_sense;
  if (atomic_fetch_add(&b->count, 1) == b->n - 1) {
    atomic_store(&b->count, 0);
    atomic_store(&b->sense, s); /* releases every member, and what they posted */
    return;
  }
  for (unsigned k = 0; atomic_load(&b->sense) != s; k++)
    if (k >= 4096) sched_yield();
}

int nmc_rank(void) { return tl_team ? tl_rank : nmc_proc_rank(); }
int nmc_size(void) { return tl_team ? tl_team->size : nmc_proc_size(); }
int nmc_threads(void) { return tl_team ? tl_team->size : 1; }

nmsim_status nmc_exchange(int n_nb, const int *nb, const nmc_buf *out, nmc_buf *in,
                          nmsim_err *err) {
  if (!tl_team) return nmc_proc_exchange(n_nb, nb, out, in, err);
  nmc_team *t = tl_team;
  t->out[tl_rank] = out;
  t->nb[tl_rank] = nb;
  t->n_nb[tl_rank] = n_nb;
  team_wait();
  nmsim_status rc = NMSIM_OK;
  for (int k = 0; k < n_nb; k++) {
    int j = nb[k], m = 0;
    while (m < t->n_nb[j] && t->nb[j][m] != tl_rank) m++;
    if (m == t->n_nb[j]) NMSIM_PANIC("thread %d is not a neighbour of thread %d", tl_rank, j);
    const nmc_buf *src = &t->out[j][m];
    in[k].n = 0;
    if (rc == NMSIM_OK && nmc_buf_reserve(&in[k], src->n) != NMSIM_OK) rc = NMSIM_ENOMEM_ERR(err);
    if (rc == NMSIM_OK && src->n) memcpy(in[k].p, src->p, src->n);
    if (rc == NMSIM_OK) in[k].n = src->n;
  }
  team_wait(); /* the outboxes are read: their owners may refill them */
  return rc;
}

void nmc_allreduce(uint64_t *v, const nmc_layout *lay) {
  if (!tl_team) {
    nmc_proc_allreduce(v, lay);
    return;
  }
  nmc_team *t = tl_team;
  int words = lay->n_min + lay->n_max + lay->n_sum + 2 * lay->n_fx;
  if (words <= 0 || words >= NMC_REC_WORDS) NMSIM_PANIC("all-reduce record of %d words", words);
  t->rec[tl_rank] = v;
  team_wait();
  uint64_t acc[NMC_REC_WORDS];
  memcpy(acc, t->rec[0], (size_t)words * sizeof *acc);
  for (int r = 1; r < t->size; r++) nmc_record_combine(lay, acc, t->rec[r]);
  team_wait(); /* every member has read every record */
  memcpy(v, acc, (size_t)words * sizeof *acc);
}

nmsim_status nmc_allgather_u32(const uint32_t *mine, size_t n, uint32_t **all, size_t *n_all,
                               size_t *cap, nmsim_err *err) {
  if (!tl_team) return nmc_proc_allgather_u32(mine, n, all, n_all, cap, err);
  nmc_team *t = tl_team;
  t->words[tl_rank] = mine;
  t->n_words[tl_rank] = n;
  team_wait();
  size_t tot = 0;
  for (int r = 0; r < t->size; r++) tot += t->n_words[r];
  nmsim_status rc = NMSIM_OK;
  uint32_t *buf = NULL; /* a larger *all, swapped in after the barrier */
  if (tot > *cap && !(buf = nm_malloc(tot * sizeof *buf))) rc = NMSIM_ENOMEM_ERR(err);
  uint32_t *dst = buf ? buf : *all;
  for (int r = 0, at = 0; rc == NMSIM_OK && r < t->size; at += (int)t->n_words[r], r++)
    if (t->n_words[r]) memcpy(dst + at, t->words[r], t->n_words[r] * sizeof *dst);
  team_wait(); /* every member has read every contribution */
  if (buf) {
    nm_free(*all);
    *all = buf;
    *cap = tot;
  }
  if (rc == NMSIM_OK) *n_all = tot;
  return nmc_agree(rc, err); /* every member gathered, or none */
}

/* v[n] of every member onto member 0's, by op (1: bitwise OR, 2: sum), in
 * member order. */
static void team_reduce(uint64_t *v, size_t n, int op) {
  nmc_team *t = tl_team;
  t->rec[tl_rank] = v;
  team_wait();
  if (tl_rank == 0)
    for (int r = 1; r < t->size; r++)
      for (size_t i = 0; i < n; i++) v[i] = op == 1 ? v[i] | t->rec[r][i] : v[i] + t->rec[r][i];
  team_wait();
}

void nmc_reduce_or_u64(uint64_t *v, size_t n) {
  if (tl_team) team_reduce(v, n, 1);
  else nmc_proc_reduce_or_u64(v, n);
}

void nmc_reduce_sum_u64(uint64_t *v, size_t n) {
  if (tl_team) team_reduce(v, n, 2);
  else nmc_proc_reduce_sum_u64(v, n);
}

nmsim_status nmc_agree(nmsim_status rc, nmsim_err *err) {
  if (!tl_team) return nmc_proc_agree(rc, err);
  nmc_team *t = tl_team;
  t->status[tl_rank] = (int)rc;
  team_wait();
  int worst = 0;
  for (int r = 0; r < t->size; r++)
    if (t->status[r] > worst) worst = t->status[r];
  team_wait();
  if (worst != NMSIM_OK && rc == NMSIM_OK)
    return NMSIM_ERR(err, (nmsim_status)worst, "another thread of the run failed (%s); see "
                     "its message", nmsim_status_name((nmsim_status)worst));
  return rc == NMSIM_OK ? (nmsim_status)worst : rc;
}

/* ---- running a team ----------------------------------------------------------- */

typedef struct nmc_member {
  nmc_team *team;
  int rank;
  void (*fn)(void *ctx, int rank);
  void *ctx;
} nmc_member;

static void *member_main(void *arg) {
  nmc_member *m = arg;
  tl_team = m->team;
  tl_rank = m->rank;
  tl_sense = 0;
  m->fn(m->ctx, m->rank);
  tl_team = NULL;
  return NULL;
}

nmsim_status nmc_team_run(int n, void (*fn)(void *ctx, int rank), void *ctx, nmsim_err *err) {
  if (n < 1) return NMSIM_ERR(err, NMSIM_EINVAL, "a team of %d threads", n);
  if (tl_team) return NMSIM_ERR(err, NMSIM_EINVAL, "a team inside a team");
  nmc_team t = {.size = n};
  nmc_member *mem = nm_calloc((size_t)n, sizeof *mem);
  pthread_t *th = nm_calloc((size_t)n, sizeof *th);
  t.out = nm_calloc((size_t)n, sizeof *t.out);
  t.nb = nm_calloc((size_t)n, sizeof *t.nb);
  t.n_nb = nm_calloc((size_t)n, sizeof *t.n_nb);
  t.rec = nm_calloc((size_t)n, sizeof *t.rec);
  t.words = nm_calloc((size_t)n, sizeof *t.words);
  t.n_words = nm_calloc((size_t)n, sizeof *t.n_words);
  t.status = nm_calloc((size_t)n, sizeof *t.status);
  nmsim_status rc = NMSIM_OK;
  if (!mem || !th || !t.out || !t.nb || !t.n_nb || !t.rec || !t.words || !t.n_words ||
      !t.status)
    rc = NMSIM_ENOMEM_ERR(err);
  atomic_init(&t.bar.count, 0);
  atomic_init(&t.bar.sense, 0);
  t.bar.n = n;
  int started = 1;
  if (rc == NMSIM_OK) {
    for (int r = 0; r < n; r++) mem[r] = (nmc_member){&t, r, fn, ctx};
    for (; started < n; started++)
      if (pthread_create(&th[started], NULL, member_main, &mem[started]) != 0) break;
    if (started < n) {
      /* the members started wait at the team's first barrier for ever: a
       * failure to start threads is fatal, before any of them runs */
      NMSIM_PANIC("cannot start thread %d of %d", started, n);
    }
    member_main(&mem[0]);
    for (int r = 1; r < n; r++) pthread_join(th[r], NULL);
  }
  nm_free(mem);
  nm_free(th);
  nm_free(t.out);
  nm_free(t.nb);
  nm_free(t.n_nb);
  nm_free(t.rec);
  nm_free(t.words);
  nm_free(t.n_words);
  nm_free(t.status);
  return rc;
}
