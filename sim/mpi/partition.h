/* partition.h: a run split over MPI ranks. The system is cut by chip (whole
 * chips per rank, weighted contiguous blocks or round robin), or, with fewer
 * chips than ranks, by blocks of tiles within each chip. Every rank makes the
 * whole mapping (it is deterministic), holds the rows and state of its own
 * cores where the chip allows (sys_build_split) and runs only the cores and
 * routers it owns, in conservative windows no longer than the lookahead: the smallest
 * latency of a link the cut crosses (and of the step barrier) in timed mode,
 * one step in functional mode. Events for another rank's units go to it at the
 * end of the window, point to point; an all-reduce of the next event time skips
 * empty windows; a step ends with an all-reduce of its end time. Results are
 * bit-identical for any number of ranks and any partition. */
#ifndef NMSIM_SIM_PARTITION_H
#define NMSIM_SIM_PARTITION_H

#include <stdio.h>

#include "sim/mpi/mpi_comm.h"
#include "cores/machine.h"

/* One recorded state value: where it lives and who owns it. */
typedef struct part_rec {
  void *base;              /* the block's state array of the variable */
  uint32_t i, bytes;       /* element index, element size (4 or 8) */
  uint32_t rank;           /* owner */
} part_rec;

typedef struct sys_part {
  int rank, size;
  const char *strategy;    /* "blocks" or "cyclic" */
  bool by_chip;            /* whole chips per rank (else blocks of tiles) */
  uint32_t n_units;        /* cores then routers */
  uint32_t *unit_rank;     /* owner of each core and router */
  uint8_t *unit_here;      /* per unit, and the barrier unit after them: owned by this
                              rank (the barrier: every rank) */
  nmsim_ps lookahead;      /* timed mode: window length, ps */
  uint8_t *adj;            /* per rank: a neighbour (made by part_owners and part_finish) */
  int n_nb;                /* neighbour ranks: nb[0..n_nb), increasing */
  int *nb;
  int *nb_of;              /* per rank: index in nb, or -1 */
  nmc_buf *out, *in;       /* per neighbour */
  nmsim_ps win_end;        /* end of the current window (timed) */
  uint64_t *last_sent;     /* functional: per neighbour, last (core, neuron) sent */
  uint32_t *spk, *all;     /* step spikes as (pop, index) pairs: mine, everyone's */
  size_t spk_cap, all_cap;
  part_rec *rec;           /* recorded state values, in the hook's order */
  size_t n_rec;
  uint64_t *rec_buf;
  /* statistics of the run (this rank) */
  uint64_t windows, steps, events_sent, events_received;
  double t_run, t_sync;    /* seconds: whole run loop; in exchanges and reductions */
} sys_part;

/* Split s over size ranks (this one is rank) with strategy "blocks"
 * (default, NULL) or "cyclic". NMSIM_EINPUT for an unknown strategy, a
 * SpiNNaker-like chip, or a cut that timed mode cannot run exactly (an on-chip
 * link with finite buffers, whose credits return at once); NMSIM_ENOMEM. */
nmsim_status part_create(sys *s, int rank, int size, const char *strategy, sys_part **out,
                         nmsim_err *err);
/* part_create in two halves, for a build that makes only this rank's part:
 * part_owners, once the mapping is made, gives every core and router its
 * owner (s->unit_here), the lookahead and the neighbours across cut links;
 * part_finish, once rows and state are, the neighbours of functional mode
 * (from the out lists), the message buffers and the recorded values. */
nmsim_status part_owners(sys *s, int rank, int size, const char *strategy, sys_part **out,
                         nmsim_err *err);
nmsim_status part_finish(sys *s, sys_part *p, nmsim_err *err);
void part_destroy(sys_part *p);
#endif
