/* mpi_comm.h: the narrow transport between the parts of a partitioned run
 * (sim/mpi/partition.c): MPI in a -DNMSIM_MPI=ON build (sim/mpi/mpi_comm.c), a
 * one-process stub otherwise (sim/mpi/mpi_stub.c), and the threads of a team
 * in one process (sim/mpi/thr_comm.c). Nothing else calls MPI. */
#ifndef NMSIM_SIM_MPI_COMM_H
#define NMSIM_SIM_MPI_COMM_H

#include "sim/base/sim_int.h"

/* Start MPI if this process was launched by mpirun (Open MPI's or a PMI
 * launcher's environment); otherwise, and in a build without MPI, the run is
 * one process. Call once, first thing in main; nmc_finalize at exit. */
void nmc_init(int *argc, char ***argv);
void nmc_finalize(void);
/* Rank of this process and number of processes (0 and 1 without MPI); in a
 * member of a team of threads (nmc_team_run), its rank in the team and the
 * team's size. */
int nmc_rank(void);
int nmc_size(void);
/* The size of the calling thread's team, 1 outside one. */
int nmc_threads(void);
/* Run fn(ctx, rank) on n threads of this process, rank 0 on the calling
 * thread, as the ranks of a partitioned run: inside fn the nmc_* calls are
 * the team's collectives over shared memory. Returns when every member has
 * returned; NMSIM_ENOMEM or NMSIM_EINVAL (a team inside a team). Not under
 * MPI ranks (the caller refuses both at once). */
nmsim_status nmc_team_run(int n, void (*fn)(void *ctx, int rank), void *ctx, nmsim_err *err);
/* "mpi" when built with MPI, else "none". */
const char *nmc_transport(void);
/* Wall-clock seconds (monotonic). */
double nmc_wtime(void);
/* Stop every process at once (after a failure that the others cannot see). */
NMSIM_NORETURN void nmc_abort(int code);

/* A growable byte buffer (amortised growth, never shrinks). */
typedef struct nmc_buf {
  unsigned char *p;
  size_t n, cap;
} nmc_buf;
/* Room for need more bytes: NMSIM_OK or NMSIM_ENOMEM (b unchanged). */
nmsim_status nmc_buf_reserve(nmc_buf *b, size_t need);
void nmc_buf_free(nmc_buf *b);

/* Point-to-point exchange with n_nb neighbour ranks nb[] (the same relation
 * on both sides): out[k] goes to nb[k], and in[k] is replaced by what nb[k]
 * sent (possibly nothing). NMSIM_ENOMEM or NMSIM_EINTERNAL (MPI error). */
nmsim_status nmc_exchange(int n_nb, const int *nb, const nmc_buf *out, nmc_buf *in,
                          nmsim_err *err);

/* All-reduce of a record of 64-bit words laid out as n_min words reduced by
 * minimum, then n_max by maximum, then n_sum by sum (mod 2^64), then n_fx
 * pairs (hi, lo) of 64.64 fixed-point numbers summed exactly. Every process
 * gets the result in v. */
typedef struct nmc_layout {
  int n_min, n_max, n_sum, n_fx;
} nmc_layout;
void nmc_allreduce(uint64_t *v, const nmc_layout *lay);
/* Every process's n[] words (n may differ) concatenated in rank order into
 * *all (grown as needed; *cap its capacity), *n_all the total. */
nmsim_status nmc_allgather_u32(const uint32_t *mine, size_t n, uint32_t **all, size_t *n_all,
                               size_t *cap, nmsim_err *err);
/* Reduce v[n] in place onto rank 0: bitwise OR (each word set by the one
 * process that owns it, zero elsewhere: exact for any bits), or sum. */
void nmc_reduce_or_u64(uint64_t *v, size_t n);
void nmc_reduce_sum_u64(uint64_t *v, size_t n);
/* The worst status over every process (a failure anywhere is seen
 * everywhere; err is filled on the processes that did not fail). */
nmsim_status nmc_agree(nmsim_status rc, nmsim_err *err);

#endif
