/* run_tables.h: the end-of-run tables of the run file (per-core and per-tile
 * energy, packet latency histogram, NoC links) gathered from a finished
 * system, ready for h5o_finish. */
#ifndef NMSIM_SIM_H5TABLES_H
#define NMSIM_SIM_H5TABLES_H

#include "sim/out/h5out.h"
#include "noc/noc_int.h"
#include "sim/system/build.h"

typedef struct h5t_tables {
  h5o_final fin;          /* what h5o_finish takes; points into the arrays below */
  h5o_links links;
  double *core_e, *tile_e;
  double *core_busy;       /* timed runs: n_cores x 3 */
  double *stall_ns;        /* per link */
  double *win_time, *win_busy, *win_stall; /* per window; per window and link */
  uint64_t *win_packets;
  double *tl_ns[5];        /* record.timeline tables */
  uint64_t *tl_packets;
  uint64_t *core_crit;     /* timed runs: n_cores x 2 */
  char **names;
  size_t n_names;         /* names allocated */
  int32_t *src_xy, *dst_xy;
  uint64_t *packets;
  double *busy_ns;
  double *lat_edges;      /* SYS_LAT_BINS + 1 edges of the latency histogram, ps */
} h5t_tables;

/* Fill *t from s and the summary sum (which must outlive t). Links are the
 * directed links of the board's mesh of tiles that exist (none off its edge),
 * with the packets and busy time noc/mesh.c counted on each. NMSIM_ENOMEM;
 * free with h5t_free in either case. */
nmsim_status h5t_gather(const sys *s, const run_summary *sum, h5t_tables *t, nmsim_err *err);
/* Free the arrays of t (accepts a zeroed or partly filled t). */
void h5t_free(h5t_tables *t);

#endif
