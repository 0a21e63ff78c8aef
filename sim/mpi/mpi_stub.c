/* mpi_stub.c: the one-process transport of a build without MPI (see
 * mpi_comm.h): every collective is the identity. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/mpi/mpi_comm.h"
#include "sim/mpi/mpi_proc.h"

#ifndef NMSIM_HAVE_MPI

void nmc_init(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
}
void nmc_finalize(void) {}
int nmc_proc_rank(void) { return 0; }
int nmc_proc_size(void) { return 1; }
const char *nmc_transport(void) { return "none"; }

double nmc_wtime(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void nmc_abort(int code) { exit(code); }

nmsim_status nmc_proc_exchange(int n_nb, const int *nb, const nmc_buf *out, nmc_buf *in,
                          nmsim_err *err) {
  (void)nb;
  (void)out;
  (void)err;
  for (int k = 0; k < n_nb; k++) in[k].n = 0;
  return NMSIM_OK;
}

nmsim_status nmc_proc_messages(int n_send, const nmc_msg *send, int n_recv, const nmc_msg *recv,
                               nmsim_err *err) {
  (void)send;
  (void)recv;
  (void)err;
  if (n_send || n_recv) NMSIM_PANIC("a message to another process in a run of one process");
  return NMSIM_OK;
}

bool nmc_proc_threads_ok(void) { return true; }

void nmc_proc_allreduce(uint64_t *v, const nmc_layout *lay) {
  (void)v;
  (void)lay;
}

nmsim_status nmc_proc_allgather_u32(const uint32_t *mine, size_t n, uint32_t **all, size_t *n_all,
                               size_t *cap, nmsim_err *err) {
  if (n > *cap) {
    uint32_t *p = nm_realloc(*all, n * sizeof *p);
    if (!p) return NMSIM_ENOMEM_ERR(err);
    *all = p;
    *cap = n;
  }
  if (n) memmove(*all, mine, n * sizeof *mine);
  *n_all = n;
  return NMSIM_OK;
}

void nmc_proc_reduce_or_u64(uint64_t *v, size_t n) {
  (void)v;
  (void)n;
}
void nmc_proc_reduce_sum_u64(uint64_t *v, size_t n) {
  (void)v;
  (void)n;
}
nmsim_status nmc_proc_agree(nmsim_status rc, nmsim_err *err) {
  (void)err;
  return rc;
}

#endif

/* ---- shared by both transports ------------------------------------------ */

nmsim_status nmc_buf_reserve(nmc_buf *b, size_t need) {
  if (b->n + need <= b->cap) return NMSIM_OK;
  size_t cap = b->cap ? b->cap : 4096;
  while (cap < b->n + need) cap *= 2;
  unsigned char *p = nm_realloc(b->p, cap);
  if (!p) return NMSIM_ENOMEM;
  b->p = p;
  b->cap = cap;
  return NMSIM_OK;
}

void nmc_buf_free(nmc_buf *b) {
  nm_free(b->p);
  memset(b, 0, sizeof *b);
}
