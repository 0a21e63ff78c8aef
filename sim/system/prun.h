/* prun.h: running a system split over MPI ranks (sim/system/prun.c), the
 * partition of sim/mpi/partition.h. */
#ifndef NMSIM_SIM_SYSTEM_PRUN_H
#define NMSIM_SIM_SYSTEM_PRUN_H

#include <stdio.h>

#include "sim/mpi/partition.h"

/* Run every step of s over the ranks . Every rank returns the
 * same status. */
nmsim_status part_run(sys *s, nmsim_err *err);
/* After part_run: bring the whole system's results to rank 0 (per-core and
 * per-tile energy, link counters, packet latencies, counts, plastic weights),
 * so that the summary and the run file are written there as in one process. */
nmsim_status part_gather(sys *s, nmsim_err *err);
/* Print this run's synchronisation statistics (one line per rank, gathered to
 * rank 0) to f on rank 0. */
void part_print_stats(const sys *s, FILE *f);

#endif
