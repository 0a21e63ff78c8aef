/* run_tables.c: gathers the end-of-run tables of the run file from a finished
 * system (see run_tables.h). */
#include "sim/system/run_tables.h"

#include <stdio.h>
#include <string.h>

nmsim_status h5t_gather(const sys *s, const run_summary *sum, h5t_tables *t, nmsim_err *err) {
  memset(t, 0, sizeof *t);
  /* every link of the topology over the board's grid: (tile, port) pairs in
   * order, the ports that lead to a neighbour */
  const noc_topology *topo = s->topo;
  const noc_grid *g = s->grid;
  size_t n_links = 0;
  for (uint32_t tile = 0; tile < s->n_tiles && g->pos; tile++)
    for (int d = 0; d < topo->n_dirs; d++) n_links += topo->neighbour(g, tile, d) != NOC_NONE;
  t->core_e = nm_calloc((size_t)s->n_cores * NM_E_COUNT + 1, sizeof(double));
  t->tile_e = nm_calloc((size_t)s->n_tiles * NM_E_COUNT + 1, sizeof(double));
  t->names = nm_calloc(n_links + 1, sizeof(char *));
  t->src_xy = nm_calloc(2 * n_links + 2, sizeof(int32_t));
  t->dst_xy = nm_calloc(2 * n_links + 2, sizeof(int32_t));
  t->packets = nm_calloc(n_links + 1, sizeof(uint64_t));
  t->busy_ns = nm_calloc(n_links + 1, sizeof(double));
  t->stall_ns = nm_calloc(n_links + 1, sizeof(double));
  size_t nw = s->win_ps ? (size_t)s->n_windows : 0;
  if (nw) {
    t->win_time = nm_calloc(nw, sizeof(double));
    t->win_busy = nm_calloc(nw * n_links + 1, sizeof(double));
    t->win_stall = nm_calloc(nw * n_links + 1, sizeof(double));
    t->win_packets = nm_calloc(nw * n_links + 1, sizeof(uint64_t));
    if (!t->win_time || !t->win_busy || !t->win_stall || !t->win_packets)
      return NMSIM_ENOMEM_ERR(err);
    for (size_t k = 0; k < nw; k++) t->win_time[k] = (double)s->win_ps[k] / NMSIM_PS_PER_NS;
  }
  t->lat_edges = nm_calloc(SYS_LAT_BINS + 1, sizeof(double));
  if (!t->core_e || !t->tile_e || !t->names || !t->src_xy || !t->dst_xy || !t->packets ||
      !t->busy_ns || !t->stall_ns || !t->lat_edges)
    return NMSIM_ENOMEM_ERR(err);
  for (uint32_t b = 0; b <= SYS_LAT_BINS; b++) t->lat_edges[b] = sys_lat_edge_ps(b);
  for (uint32_t c = 0; c < s->n_cores; c++)
    for (int k = 0; k < NM_E_COUNT; k++)
      t->core_e[(size_t)c * NM_E_COUNT + k] = s->cores[c].energy.pj[k];
  for (uint32_t r = 0; r < s->n_tiles; r++)
    for (int k = 0; k < NM_E_COUNT; k++)
      t->tile_e[(size_t)r * NM_E_COUNT + k] = s->routers[r].energy.pj[k];
  if (!s->scn->functional) {
    t->core_busy = nm_calloc((size_t)s->n_cores * 3 + 1, sizeof(double));
    t->core_crit = nm_calloc((size_t)s->n_cores * 2 + 1, sizeof(uint64_t));
    if (!t->core_busy || !t->core_crit) return NMSIM_ENOMEM_ERR(err);
    for (uint32_t c = 0; c < s->n_cores; c++) {
      for (int k = 0; k < 3; k++)
        t->core_busy[(size_t)c * 3 + k] = (double)s->cores[c].busy[k] / NMSIM_PS_PER_NS;
      t->core_crit[(size_t)c * 2] = s->cores[c].crit_steps;
      t->core_crit[(size_t)c * 2 + 1] = s->cores[c].crit_comm_steps;
    }
  }

  if (s->tl) {
    size_t ns = (size_t)(s->tl_end - s->tl_first), nc = s->n_used, n = ns * nc;
    for (int k = 0; k < 5; k++)
      if (!(t->tl_ns[k] = nm_calloc(n + 1, sizeof(double)))) return NMSIM_ENOMEM_ERR(err);
    if (!(t->tl_packets = nm_calloc(n + 1, sizeof(uint64_t)))) return NMSIM_ENOMEM_ERR(err);
    for (size_t r = 0; r < n; r++) {
      const uint64_t *row = s->tl + r * TL_FIELDS;
      t->tl_ns[0][r] = (double)row[TL_UPD_START] / NMSIM_PS_PER_NS;
      t->tl_ns[1][r] = (double)row[TL_UPD_END] / NMSIM_PS_PER_NS;
      t->tl_ns[2][r] = (double)row[TL_WORK_END] / NMSIM_PS_PER_NS;
      t->tl_ns[3][r] = (double)row[TL_SYN_PS] / NMSIM_PS_PER_NS;
      t->tl_ns[4][r] = (double)row[TL_LEARN_PS] / NMSIM_PS_PER_NS;
      t->tl_packets[r] = row[TL_PACKETS];
    }
  }

  size_t i = 0;
  for (uint32_t tile = 0; tile < s->n_tiles && g->pos; tile++) {
    for (int d = 0; d < topo->n_dirs; d++) {
      uint32_t next = topo->neighbour(g, tile, d);
      if (next == NOC_NONE) continue;
      if (!ALWAYS(i < n_links)) break;
      char name[64];
      snprintf(name, sizeof name, "tile%u/%s", tile, topo->dir_names[d]);
      t->names[i] = nm_strdup(name);
      if (!t->names[i]) return NMSIM_ENOMEM_ERR(err);
      t->n_names++;
      t->src_xy[2 * i] = (int32_t)g->pos[tile].x;
      t->src_xy[2 * i + 1] = (int32_t)g->pos[tile].y;
      t->dst_xy[2 * i] = (int32_t)g->pos[next].x;
      t->dst_xy[2 * i + 1] = (int32_t)g->pos[next].y;
      t->packets[i] = s->routers[tile].link[d].packets;
      t->busy_ns[i] = (double)s->routers[tile].link[d].busy_ps / NMSIM_PS_PER_NS;
      t->stall_ns[i] = (double)s->routers[tile].link[d].stall_ps / NMSIM_PS_PER_NS;
      for (size_t k = 0; k < nw; k++) {
        size_t slot = ((size_t)k * s->n_tiles + tile) * NOC_MAX_DIRS + (size_t)d;
        t->win_packets[k * n_links + i] = s->win_packets[slot];
        t->win_busy[k * n_links + i] = (double)s->win_busy[slot] / NMSIM_PS_PER_NS;
        t->win_stall[k * n_links + i] = (double)s->win_stall[slot] / NMSIM_PS_PER_NS;
      }
      i++;
    }
  }
  t->links = (h5o_links){.n = i,
                         .names = (const char *const *)t->names,
                         .src_xy = t->src_xy,
                         .dst_xy = t->dst_xy,
                         .packets = t->packets,
                         .busy_ns = t->busy_ns,
                         .stall_ns = t->stall_ns,
                         .n_windows = nw,
                         .window_steps = s->link_window,
                         .win_time_ns = t->win_time,
                         .win_packets = t->win_packets,
                         .win_busy_ns = t->win_busy,
                         .win_stall_ns = t->win_stall};
  t->fin = (h5o_final){.sum = sum,
                       .core_energy_pj = t->core_e,
                       .tile_energy_pj = t->tile_e,
                       .core_busy_ns = t->core_busy,
                       .core_critical = t->core_crit,
                       .tl_steps = s->tl ? (size_t)(s->tl_end - s->tl_first) : 0,
                       .tl_cores = s->tl ? s->n_used : 0,
                       .tl_first = s->tl_first,
                       .tl_core = s->used,
                       .tl_ns = {t->tl_ns[0], t->tl_ns[1], t->tl_ns[2], t->tl_ns[3],
                                 t->tl_ns[4]},
                       .tl_packets = t->tl_packets,
                       .lat_hist = s->lat_hist,
                       .n_bins = SYS_LAT_BINS,
                       .lat_edges_ps = t->lat_edges,
                       .lat_overflow = s->lat_overflow,
                       .lat_max_ps = s->lat_max,
                       .links = &t->links};
  return NMSIM_OK;
}

void h5t_free(h5t_tables *t) {
  if (!t) return;
  for (size_t i = 0; i < t->n_names; i++) nm_free(t->names[i]);
  nm_free(t->names);
  nm_free(t->core_e);
  nm_free(t->tile_e);
  nm_free(t->core_busy);
  nm_free(t->stall_ns);
  nm_free(t->win_time);
  nm_free(t->win_busy);
  nm_free(t->win_stall);
  nm_free(t->win_packets);
  for (int k = 0; k < 5; k++) nm_free(t->tl_ns[k]);
  nm_free(t->tl_packets);
  nm_free(t->core_crit);
  nm_free(t->src_xy);
  nm_free(t->dst_xy);
  nm_free(t->packets);
  nm_free(t->busy_ns);
  nm_free(t->lat_edges);
  memset(t, 0, sizeof *t);
}
