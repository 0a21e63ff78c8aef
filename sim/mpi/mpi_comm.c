/* mpi_comm.c: the MPI transport of a partitioned run (see mpi_comm.h), built
 * with -DNMSIM_MPI=ON: non-blocking sends to the neighbour ranks, probed
 * receives, and all-reductions of one fixed-layout record per call. */
#ifdef NMSIM_HAVE_MPI

#include <mpi.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/mpi/mpi_comm.h"
#include "sim/mpi/mpi_proc.h"
#include "sim/base/guard.h"

static int g_on, g_rank, g_size = 1, g_thread_level;
static MPI_Op g_op;
static nmc_layout g_lay; /* layout of the record being reduced by g_op */
enum { G_TYPES = 128 };
static MPI_Datatype g_type[G_TYPES]; /* contiguous record types, by words */

enum { TAG_EXCHANGE = 17, TAG_TEAM = 32 }; /* a team's messages: TAG_TEAM + a pair's tag */

/* The reduction of nmc_allreduce over whole records (one record per element
 * of a contiguous type, so MPI never splits a record). */
static void record_op(void *in, void *inout, int *len, MPI_Datatype *dt) {
  (void)dt;
  int words = g_lay.n_min + g_lay.n_max + g_lay.n_sum + 2 * g_lay.n_fx;
  for (int r = 0; r < *len; r++)
    nmc_record_combine(&g_lay, (uint64_t *)inout + (size_t)r * words,
                       (const uint64_t *)in + (size_t)r * words);
}

void nmc_init(int *argc, char ***argv) {
  /* launched by mpirun (Open MPI) or a PMI launcher: start MPI; a plain
   * `nmsim run` stays one process and never touches MPI */
  if (!getenv("OMPI_COMM_WORLD_SIZE") && !getenv("PMI_SIZE") && !getenv("PMIX_RANK")) return;
  /* a rank waiting at a window's end yields its core unless told otherwise:
   * busy polling is several times slower when ranks share cores (more ranks
   * than cores, or other work on the machine); set it to 0 on dedicated
   * cluster nodes */
  setenv("OMPI_MCA_mpi_yield_when_idle", "1", 0);
  /* the first member of a team of threads (--threads) makes every MPI call
   * of its process (thr_comm.c), and it is the thread that starts MPI */
  MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &g_thread_level);
  g_on = 1;
  nm_guard_off(true); /* a process of an MPI job must not fork */
  MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &g_size);
  MPI_Op_create(record_op, 1, &g_op);
  for (int k = 0; k < G_TYPES; k++) g_type[k] = MPI_DATATYPE_NULL;
}

void nmc_finalize(void) {
  if (!g_on) return;
  for (int k = 0; k < G_TYPES; k++)
    if (g_type[k] != MPI_DATATYPE_NULL) MPI_Type_free(&g_type[k]);
  MPI_Op_free(&g_op);
  MPI_Finalize();
  g_on = 0;
}

int nmc_proc_rank(void) { return g_rank; }
int nmc_proc_size(void) { return g_size; }
const char *nmc_transport(void) { return "mpi"; }
/* A monotonic clock any thread may read (MPI_Wtime belongs to the thread
 * that makes the MPI calls). */
double nmc_wtime(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

bool nmc_proc_threads_ok(void) { return !g_on || g_thread_level >= MPI_THREAD_FUNNELED; }

void nmc_abort(int code) {
  if (g_on) MPI_Abort(MPI_COMM_WORLD, code);
  exit(code);
}

nmsim_status nmc_proc_exchange(int n_nb, const int *nb, const nmc_buf *out, nmc_buf *in,
                          nmsim_err *err) {
  if (n_nb == 0) return NMSIM_OK;
  MPI_Request req[64], *rq = n_nb <= 64 ? req : nm_malloc(sizeof *rq * (size_t)n_nb);
  if (!rq) return NMSIM_ENOMEM_ERR(err);
  nmsim_status rc = NMSIM_OK;
  for (int k = 0; k < n_nb; k++)
    MPI_Isend(out[k].p, (int)out[k].n, MPI_BYTE, nb[k], TAG_EXCHANGE, MPI_COMM_WORLD, &rq[k]);
  for (int k = 0; k < n_nb; k++) {
    MPI_Status st;
    int count = 0;
    MPI_Probe(nb[k], TAG_EXCHANGE, MPI_COMM_WORLD, &st);
    MPI_Get_count(&st, MPI_BYTE, &count);
    in[k].n = 0;
    if (rc == NMSIM_OK && nmc_buf_reserve(&in[k], (size_t)count) != NMSIM_OK)
      rc = NMSIM_ENOMEM_ERR(err);
    /* receive even when out of memory, into a scratch byte, so that the
     * message is consumed; the caller fails the run */
    unsigned char scratch;
    MPI_Recv(rc == NMSIM_OK ? in[k].p : &scratch, rc == NMSIM_OK ? count : 0, MPI_BYTE, nb[k],
             TAG_EXCHANGE, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (rc == NMSIM_OK) in[k].n = (size_t)count;
  }
  MPI_Waitall(n_nb, rq, MPI_STATUSES_IGNORE);
  if (rq != req) nm_free(rq);
  return rc;
}

nmsim_status nmc_proc_messages(int n_send, const nmc_msg *send, int n_recv, const nmc_msg *recv,
                               nmsim_err *err) {
  if (!n_send && !n_recv) return NMSIM_OK;
  MPI_Request req[64], *rq = n_send <= 64 ? req : nm_malloc(sizeof *rq * (size_t)n_send);
  if (!rq) return NMSIM_ENOMEM_ERR(err);
  nmsim_status rc = NMSIM_OK;
  for (int k = 0; k < n_send; k++)
    MPI_Isend(send[k].buf->p, (int)send[k].buf->n, MPI_BYTE, send[k].proc,
              TAG_TEAM + send[k].tag, MPI_COMM_WORLD, &rq[k]);
  for (int k = 0; k < n_recv; k++) {
    MPI_Status st;
    int count = 0, tag = TAG_TEAM + recv[k].tag;
    MPI_Probe(recv[k].proc, tag, MPI_COMM_WORLD, &st);
    MPI_Get_count(&st, MPI_BYTE, &count);
    nmc_buf *in = recv[k].buf;
    in->n = 0;
    if (rc == NMSIM_OK && nmc_buf_reserve(in, (size_t)count) != NMSIM_OK)
      rc = NMSIM_ENOMEM_ERR(err);
    unsigned char scratch; /* consumed even when out of memory, as in exchange */
    MPI_Recv(rc == NMSIM_OK ? in->p : &scratch, rc == NMSIM_OK ? count : 0, MPI_BYTE,
             recv[k].proc, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (rc == NMSIM_OK) in->n = (size_t)count;
  }
  MPI_Waitall(n_send, rq, MPI_STATUSES_IGNORE);
  if (rq != req) nm_free(rq);
  return rc;
}

void nmc_proc_allreduce(uint64_t *v, const nmc_layout *lay) {
  if (g_size == 1) return;
  int words = lay->n_min + lay->n_max + lay->n_sum + 2 * lay->n_fx;
  if (words <= 0 || words >= G_TYPES) NMSIM_PANIC("all-reduce record of %d words", words);
  if (g_type[words] == MPI_DATATYPE_NULL) { /* made once per record size */
    MPI_Type_contiguous(words, MPI_UINT64_T, &g_type[words]);
    MPI_Type_commit(&g_type[words]);
  }
  g_lay = *lay;
  MPI_Allreduce(MPI_IN_PLACE, v, 1, g_type[words], g_op, MPI_COMM_WORLD);
}

nmsim_status nmc_proc_allgather_u32(const uint32_t *mine, size_t n, uint32_t **all, size_t *n_all,
                               size_t *cap, nmsim_err *err) {
  int cnt[256], dsp[256];
  int *c = g_size <= 256 ? cnt : nm_malloc(sizeof(int) * 2 * (size_t)g_size);
  int *d = g_size <= 256 ? dsp : c + g_size;
  if (!c) return NMSIM_ENOMEM_ERR(err);
  int me = (int)n;
  MPI_Allgather(&me, 1, MPI_INT, c, 1, MPI_INT, MPI_COMM_WORLD);
  size_t tot = 0;
  for (int r = 0; r < g_size; r++) d[r] = (int)tot, tot += (size_t)c[r];
  nmsim_status rc = NMSIM_OK;
  if (tot > *cap) {
    uint32_t *p = nm_realloc(*all, tot * sizeof *p);
    if (p) *all = p, *cap = tot;
    else rc = NMSIM_ENOMEM_ERR(err);
  }
  rc = nmc_proc_agree(rc, err); /* every rank has room, or none gathers */
  if (rc == NMSIM_OK) {
    MPI_Allgatherv(mine, me, MPI_UINT32_T, *all, c, d, MPI_UINT32_T, MPI_COMM_WORLD);
    *n_all = tot;
  }
  if (c != cnt) nm_free(c);
  return rc;
}

/* MPI counts are int: reduce in slices of at most 2^24 words. */
static void reduce_u64(uint64_t *v, size_t n, MPI_Op op) {
  for (size_t at = 0; at < n;) {
    int k = (int)(n - at < ((size_t)1 << 24) ? n - at : ((size_t)1 << 24));
    MPI_Reduce(g_rank == 0 ? MPI_IN_PLACE : v + at, v + at, k, MPI_UINT64_T, op, 0,
               MPI_COMM_WORLD);
    at += (size_t)k;
  }
}

void nmc_proc_reduce_or_u64(uint64_t *v, size_t n) {
  if (g_size > 1) reduce_u64(v, n, MPI_BOR);
}
void nmc_proc_reduce_sum_u64(uint64_t *v, size_t n) {
  if (g_size > 1) reduce_u64(v, n, MPI_SUM);
}

nmsim_status nmc_proc_agree(nmsim_status rc, nmsim_err *err) {
  if (g_size == 1) return rc;
  int mine = (int)rc, worst = 0;
  MPI_Allreduce(&mine, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  if (worst != NMSIM_OK && rc == NMSIM_OK)
    return NMSIM_ERR(err, (nmsim_status)worst, "another MPI rank failed (%s); see its message",
                     nmsim_status_name((nmsim_status)worst));
  return rc == NMSIM_OK ? (nmsim_status)worst : rc;
}

#endif /* NMSIM_HAVE_MPI */
