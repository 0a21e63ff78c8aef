/* mpi_proc.h: the transport between processes (MPI, sim/mpi/mpi_comm.c; or
 * the one-process stub, sim/mpi/mpi_stub.c) behind the nmc_* calls of
 * mpi_comm.h, which sim/mpi/thr_comm.c dispatches: to a team of threads when
 * the calling thread belongs to one, else here. Each has the contract of
 * the nmc_* function of the same name. */
#ifndef NMSIM_SIM_MPI_MPI_PROC_H
#define NMSIM_SIM_MPI_MPI_PROC_H

#include "sim/mpi/mpi_comm.h"

int nmc_proc_rank(void);
int nmc_proc_size(void);
nmsim_status nmc_proc_exchange(int n_nb, const int *nb, const nmc_buf *out, nmc_buf *in,
                               nmsim_err *err);
void nmc_proc_allreduce(uint64_t *v, const nmc_layout *lay);
nmsim_status nmc_proc_allgather_u32(const uint32_t *mine, size_t n, uint32_t **all,
                                    size_t *n_all, size_t *cap, nmsim_err *err);
void nmc_proc_reduce_or_u64(uint64_t *v, size_t n);
void nmc_proc_reduce_sum_u64(uint64_t *v, size_t n);
nmsim_status nmc_proc_agree(nmsim_status rc, nmsim_err *err);

/* A message between processes of a team's exchange (sim/mpi/thr_comm.c):
 * to or from process `proc`, with `tag` naming the pair of parts it joins
 * (0 <= tag < 2^16). */
typedef struct nmc_msg {
  int proc, tag;
  nmc_buf *buf;
} nmc_msg;
/* Send each send[k].buf to its process, then replace each recv[k].buf by
 * the message of its process and tag (possibly empty). Called by one thread
 * of each process (the team's first member, the thread that started MPI).
 * NMSIM_ENOMEM; the one-process transport has no other process (panics on
 * a message). */
nmsim_status nmc_proc_messages(int n_send, const nmc_msg *send, int n_recv, const nmc_msg *recv,
                               nmsim_err *err);
/* Whether this process may run a team of threads (MPI started with thread
 * support, or no MPI). */
bool nmc_proc_threads_ok(void);

/* One step of nmc_allreduce: record b combined with record a, in place. */
void nmc_record_combine(const nmc_layout *l, uint64_t *b, const uint64_t *a);

#endif
