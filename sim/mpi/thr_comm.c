/* thr_comm.c: the nmc_* calls of mpi_comm.h, dispatched to a team of threads
 * of this process when the calling thread belongs to one (nmc_team_run),
 * else to the process transport (MPI or the stub, sim/mpi/mpi_proc.h).
 *
 * A team is the ranks of a partitioned run as threads: each runs the same
 * conservative windows as an MPI rank, and the collectives meet at a
 * barrier over shared memory. Under MPI every process runs a team of the
 * same size, and the parts are numbered process by process (part = process
 * rank * team size + member): the team's first member, the thread that
 * started MPI, makes every MPI call of its process (the team's part of a
 * collective first, then the processes'), and an exchange between members of
 * two processes goes as one message per pair of parts. Every reduction
 * combines its records exactly (minima, maxima, sums modulo 2^64 and
 * fixed-point sums do not depend on the order), and gathers concatenate in
 * part order, so a run on N threads of P processes gives the bits of a run
 * on N * P ranks and of one process. */
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
  int proc, procs;       /* this process's rank and the number of processes */
  nmc_bar bar;
  /* what each member posts for a collective, read after the barrier */
  const nmc_buf **out;   /* exchange: its outboxes, by its neighbour index */
  nmc_buf **in;          /* ... its inboxes */
  const int **nb;        /* ... and its neighbours (parts) */
  int *n_nb;
  uint64_t **rec;        /* all-reduce and reduce: its record */
  const uint32_t **words;
  size_t *n_words;       /* all-gather */
  int *status;           /* agree */
  /* what the first member hands to all after a barrier */
  uint64_t acc[NMC_REC_WORDS];  /* all-reduce: the combined record */
  int worst;                    /* agree: the worst status of every part */
  nmsim_status xrc;             /* exchange: the messages between processes */
  nmc_msg *msg;                 /* ... (sends, then receives) */
  size_t msg_cap;
  uint32_t *cat, *all;          /* all-gather: the team's words, every part's */
  size_t cat_cap, n_all, all_cap;
  nmsim_status grc;
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

int nmc_rank(void) { return tl_team ? tl_team->proc * tl_team->size + tl_rank : nmc_proc_rank(); }
int nmc_size(void) { return tl_team ? tl_team->procs * tl_team->size : nmc_proc_size(); }

/* The process and the member of part j of a team's run. */
static inline int part_proc(const nmc_team *t, int j) { return j / t->size; }
static inline int part_member(const nmc_team *t, int j) { return j % t->size; }

/* The first member: the messages of every member to and from parts of other
 * processes, one per pair of parts (tag: sender's member * size + receiver's
 * member). Sets t->xrc. */
static void team_messages(nmc_team *t, nmsim_err *err) {
  size_t n = 0;
  for (int m = 0; m < t->size; m++)
    for (int k = 0; k < t->n_nb[m]; k++) n += part_proc(t, t->nb[m][k]) != t->proc;
  t->xrc = NMSIM_OK;
  if (2 * n > t->msg_cap) {
    nmc_msg *x = nm_realloc(t->msg, 2 * n * sizeof *x);
    if (!x) {
      /* no message can be sent: a process waiting for one would wait for
       * ever, so this is fatal at once */
      NMSIM_PANIC("out of memory for %zu messages between processes", n);
    }
    t->msg = x, t->msg_cap = 2 * n;
  }
  size_t ns = 0, nr = n;
  for (int m = 0; m < t->size; m++)
    for (int k = 0; k < t->n_nb[m]; k++) {
      int j = t->nb[m][k], q = part_proc(t, j), jm = part_member(t, j);
      if (q == t->proc) continue;
      t->msg[ns++] = (nmc_msg){.proc = q, .tag = m * t->size + jm,
                               .buf = (nmc_buf *)&t->out[m][k]};
      t->msg[nr++] = (nmc_msg){.proc = q, .tag = jm * t->size + m, .buf = &t->in[m][k]};
    }
  t->xrc = nmc_proc_messages((int)n, t->msg, (int)n, t->msg + n, err);
}
int nmc_threads(void) { return tl_team ? tl_team->size : 1; }

nmsim_status nmc_exchange(int n_nb, const int *nb, const nmc_buf *out, nmc_buf *in,
                          nmsim_err *err) {
  if (!tl_team) return nmc_proc_exchange(n_nb, nb, out, in, err);
  nmc_team *t = tl_team;
  int me = t->proc * t->size + tl_rank;
  t->out[tl_rank] = out;
  t->in[tl_rank] = in;
  t->nb[tl_rank] = nb;
  t->n_nb[tl_rank] = n_nb;
  team_wait();
  if (tl_rank == 0 && t->procs > 1) team_messages(t, err);
  nmsim_status rc = NMSIM_OK;
  for (int k = 0; k < n_nb; k++) {
    if (part_proc(t, nb[k]) != t->proc) continue; /* a message (team_messages) */
    int j = part_member(t, nb[k]), m = 0;
    while (m < t->n_nb[j] && t->nb[j][m] != me) m++;
    if (m == t->n_nb[j]) NMSIM_PANIC("part %d is not a neighbour of part %d", me, nb[k]);
    const nmc_buf *src = &t->out[j][m];
    in[k].n = 0;
    if (rc == NMSIM_OK && nmc_buf_reserve(&in[k], src->n) != NMSIM_OK) rc = NMSIM_ENOMEM_ERR(err);
    if (rc == NMSIM_OK && src->n) memcpy(in[k].p, src->p, src->n);
    if (rc == NMSIM_OK) in[k].n = src->n;
  }
  team_wait(); /* the outboxes are read: their owners may refill them */
  if (rc == NMSIM_OK && t->xrc != NMSIM_OK)
    rc = tl_rank == 0 ? t->xrc
                      : NMSIM_ERR(err, t->xrc, "the messages between processes failed (%s)",
                                  nmsim_status_name(t->xrc));
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
  if (tl_rank == 0) {
    memcpy(t->acc, t->rec[0], (size_t)words * sizeof *t->acc);
    for (int r = 1; r < t->size; r++) nmc_record_combine(lay, t->acc, t->rec[r]);
    nmc_proc_allreduce(t->acc, lay); /* the other processes' teams (a no-op alone) */
  }
  team_wait(); /* the combined record is ready; nobody writes it before the
                * next collective's first barrier, which every member reaches
                * only after copying it */
  memcpy(v, t->acc, (size_t)words * sizeof *t->acc);
}

/* All-gather within one process: each member copies every member's words
 * straight from where they lie, at once. */
static nmsim_status team_allgather(nmc_team *t, uint32_t **all, size_t *n_all, size_t *cap,
                                   nmsim_err *err) {
  size_t tot = 0;
  for (int r = 0; r < t->size; r++) tot += t->n_words[r];
  nmsim_status rc = NMSIM_OK;
  uint32_t *buf = NULL; /* a larger *all, swapped in after the barrier */
  if (tot > *cap && !(buf = nm_malloc(tot * sizeof *buf))) rc = NMSIM_ENOMEM_ERR(err);
  uint32_t *dst = buf ? buf : *all;
  for (size_t r = 0, at = 0; rc == NMSIM_OK && r < (size_t)t->size; at += t->n_words[r++])
    if (t->n_words[r]) memcpy(dst + at, t->words[r], t->n_words[r] * sizeof *dst);
  team_wait(); /* every member has read every contribution */
  if (buf) {
    nm_free(*all);
    *all = buf;
    *cap = tot;
  }
  if (rc == NMSIM_OK) *n_all = tot;
  return rc;
}

/* All-gather over processes: the first member concatenates its team's words
 * (member order) and gathers the teams' (process order), which is part
 * order; then every member copies the result. */
static nmsim_status procs_allgather(nmc_team *t, uint32_t **all, size_t *n_all, size_t *cap,
                                    nmsim_err *err) {
  if (tl_rank == 0) {
    size_t tot = 0;
    for (int r = 0; r < t->size; r++) tot += t->n_words[r];
    t->grc = NMSIM_OK;
    if (tot > t->cat_cap) {
      uint32_t *x = nm_realloc(t->cat, tot * sizeof *x);
      if (x) t->cat = x, t->cat_cap = tot;
      else t->grc = NMSIM_ENOMEM_ERR(err);
    }
    t->grc = nmc_proc_agree(t->grc, err); /* every process gathers, or none */
    for (size_t r = 0, at = 0; t->grc == NMSIM_OK && r < (size_t)t->size; at += t->n_words[r++])
      if (t->n_words[r]) memcpy(t->cat + at, t->words[r], t->n_words[r] * sizeof *t->cat);
    if (t->grc == NMSIM_OK)
      t->grc = nmc_proc_allgather_u32(t->cat, tot, &t->all, &t->n_all, &t->all_cap, err);
  }
  team_wait();
  nmsim_status rc = t->grc;
  if (rc != NMSIM_OK && tl_rank != 0)
    rc = NMSIM_ERR(err, rc, "the gather of the run's parts failed (%s)", nmsim_status_name(rc));
  if (rc == NMSIM_OK && t->n_all > *cap) {
    uint32_t *x = nm_realloc(*all, t->n_all * sizeof *x);
    if (x) *all = x, *cap = t->n_all;
    else rc = NMSIM_ENOMEM_ERR(err);
  }
  if (rc == NMSIM_OK) {
    if (t->n_all) memcpy(*all, t->all, t->n_all * sizeof **all);
    *n_all = t->n_all;
  }
  team_wait(); /* every member has read the gathered words */
  return rc;
}

nmsim_status nmc_allgather_u32(const uint32_t *mine, size_t n, uint32_t **all, size_t *n_all,
                               size_t *cap, nmsim_err *err) {
  if (!tl_team) return nmc_proc_allgather_u32(mine, n, all, n_all, cap, err);
  nmc_team *t = tl_team;
  t->words[tl_rank] = mine;
  t->n_words[tl_rank] = n;
  team_wait();
  nmsim_status rc = t->procs > 1 ? procs_allgather(t, all, n_all, cap, err)
                                 : team_allgather(t, all, n_all, cap, err);
  return nmc_agree(rc, err); /* every member gathered, or none */
}

/* v[n] of every member onto member 0's, by op (1: bitwise OR, 2: sum), in
 * member order. */
static void team_reduce(uint64_t *v, size_t n, int op) {
  nmc_team *t = tl_team;
  t->rec[tl_rank] = v;
  team_wait();
  if (tl_rank == 0) {
    for (int r = 1; r < t->size; r++)
      for (size_t i = 0; i < n; i++) v[i] = op == 1 ? v[i] | t->rec[r][i] : v[i] + t->rec[r][i];
    /* then the processes' onto process 0 (no-ops alone) */
    if (op == 1) nmc_proc_reduce_or_u64(v, n);
    else nmc_proc_reduce_sum_u64(v, n);
  }
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
  if (tl_rank == 0) {
    int w = 0;
    for (int r = 0; r < t->size; r++)
      if (t->status[r] > w) w = t->status[r];
    nmsim_err ignored = {0};
    t->worst = (int)nmc_proc_agree((nmsim_status)w, &ignored); /* over the processes */
  }
  team_wait();
  int worst = t->worst;
  if (worst != NMSIM_OK && rc == NMSIM_OK)
    return NMSIM_ERR(err, (nmsim_status)worst, "another part of the run failed (%s); see "
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
  if (!nmc_proc_threads_ok())
    return NMSIM_ERR(err, NMSIM_EINPUT, "this MPI library gives no thread support "
                     "(MPI_THREAD_FUNNELED): run one thread per rank");
  nmc_team t = {.size = n, .proc = nmc_proc_rank(), .procs = nmc_proc_size()};
  nmc_member *mem = nm_calloc((size_t)n, sizeof *mem);
  pthread_t *th = nm_calloc((size_t)n, sizeof *th);
  t.out = nm_calloc((size_t)n, sizeof *t.out);
  t.in = nm_calloc((size_t)n, sizeof *t.in);
  t.nb = nm_calloc((size_t)n, sizeof *t.nb);
  t.n_nb = nm_calloc((size_t)n, sizeof *t.n_nb);
  t.rec = nm_calloc((size_t)n, sizeof *t.rec);
  t.words = nm_calloc((size_t)n, sizeof *t.words);
  t.n_words = nm_calloc((size_t)n, sizeof *t.n_words);
  t.status = nm_calloc((size_t)n, sizeof *t.status);
  nmsim_status rc = NMSIM_OK;
  if (!mem || !th || !t.out || !t.in || !t.nb || !t.n_nb || !t.rec || !t.words || !t.n_words ||
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
  nm_free(t.in);
  nm_free(t.msg);
  nm_free(t.cat);
  nm_free(t.all);
  nm_free(t.nb);
  nm_free(t.n_nb);
  nm_free(t.rec);
  nm_free(t.words);
  nm_free(t.n_words);
  nm_free(t.status);
  return rc;
}
