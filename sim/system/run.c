/* run.c: the run driver. Loads the chip, maps the scenario, runs the engine
 * step by step (a hook streams every completed step to the HDF5 file), then
 * reduces the counters into the run summary. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/dvs/dvs_replay.h"
#include "sim/out/h5out.h"
#include "sim/system/run_tables.h"
#include "sim/system/prun.h"
#include "sim/base/pool.h"
#include "sim/base/progress.h"
#include "sim/base/interrupt.h"
#include "sim/system/run_int.h"
#include "noc/noc_int.h"
#include "sim/system/build.h"
#include "sim/system/direct.h"
#include "sim/system/timed.h"
#include "sim/system/plastic_weights.h"
#include "sim/system/utilisation.h"

nmsim_status sys_run(sys *s, nmsim_err *err) {
  if (s->part) return part_run(s, err); /* split over MPI ranks */
  if (!s->path->emit) return sys_run_untimed(s, err);
  return sys_run_timed(s, err);
}

/* ---- the HDF5 hook ------------------------------------------------------- */

typedef struct run_rec {
  h5o_writer *w;
  const nmsim_scenario *scn;
  double **values;        /* per state recording: n_vars * n_neurons */
  const uint32_t **spk;   /* per population: this step's spikes */
  run_progress prog;      /* the progress line on a terminal */
} run_rec;

/* Block and local index of neuron `idx` of population p. */
static void locate(const sys *s, uint32_t p, uint32_t idx, const sys_block **blk, uint32_t *i) {
  uint32_t gid = s->pop_gid0[p] + idx;
  const sys_core *c = &s->cores[s->loc_core[gid]];
  uint32_t local = s->loc_local[gid];
  for (size_t b = 0; b < c->n_blocks; b++)
    if (local >= c->blocks[b].local0 && local < c->blocks[b].local0 + c->blocks[b].n) {
      *blk = &c->blocks[b];
      *i = local - c->blocks[b].local0;
      return;
    }
  NMSIM_PANIC("neuron %u of population %u is not mapped", idx, p);
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

static nmsim_status run_step_hook(void *ctx, sys *s, nmsim_err *err) {
  run_rec *r = ctx;
  const nmsim_scenario *scn = r->scn;
  int sig = nm_interrupted();
  if (sig)
    return NMSIM_ERR(err, NMSIM_EINTR, "interrupted by %s at step %llu of %llu",
                     nm_interrupt_name(sig), (unsigned long long)s->step,
                     (unsigned long long)scn->steps);
  for (size_t p = 0; p < scn->n_pops; p++) {
    /* canonical order: by neuron index (already so unless cores updated out
     * of core order, as free-running SpiNNaker-like ticks can) */
    const uint32_t *sp = s->pop_spikes[p];
    size_t ns = s->pop_nspikes[p], k = 1;
    while (k < ns && sp[k - 1] < sp[k]) k++;
    if (k < ns) qsort(s->pop_spikes[p], ns, sizeof(uint32_t), cmp_u32);
    r->spk[p] = s->pop_spikes[p];
  }
  /* a split run: part 0 has every recorded value in the partition's buffer
   * (the other parts' cores have no state here), in this order */
  const sys_part *pt = s->part;
  size_t at = 0;
  for (size_t k = 0; k < scn->n_rec_state && (!pt || pt->rank == 0); k++) {
    const scn_state_rec *sr = &scn->rec_state[k];
    const nmsim_neuron_type *m = scn->pops[sr->pop].model;
    for (size_t v = 0; v < sr->n_vars; v++)
      for (size_t n = 0; n < sr->n_neurons; n++, at++) {
        uint32_t var = sr->vars[v];
        double x = 0.0;
        if (pt) {
          uint64_t u = pt->rec_buf[at];
          if (m->vars[var].type == NMSIM_VAR_F64) memcpy(&x, &u, sizeof x);
          else if (m->vars[var].type == NMSIM_VAR_I32) x = (int32_t)(uint32_t)u;
        } else {
          const sys_block *b;
          uint32_t i;
          locate(s, sr->pop, sr->neurons[n], &b, &i);
          x = m->vars[var].type == NMSIM_VAR_F64   ? ((const double *)b->state[var])[i]
              : m->vars[var].type == NMSIM_VAR_I32 ? ((const int32_t *)b->state[var])[i]
                                                   : 0.0;
        }
        r->values[k][v * sr->n_neurons + n] = x;
      }
  }
  /* events: dispatched by the engine, or synaptic events in functional mode */
  prog_step(&r->prog, s->step + 1,
            s->eng ? sim_engine_get_stats(s->eng)->dispatched
                   : s->energy.n[NM_E_SYN_OP] + s->step_energy.n[NM_E_SYN_OP]);
  if (!r->w) return NMSIM_OK;
  h5o_step st = {.step = s->step,
                 .latency_ps = s->step_latency,
                 .energy_pj = s->step_energy.pj,
                 .spikes = r->spk,
                 .n_spikes = s->pop_nspikes,
                 .values = (const double *const *)r->values,
                 .critical_core = s->step_crit,
                 .split_ps = s->step_split};
  return h5o_step_write(r->w, &st, err);
}

/* ---- summary ------------------------------------------------------------- */

static int cmp_link(const void *a, const void *b) {
  const run_link_summary *x = a, *y = b;
  if (x->stall_ps != y->stall_ps) return x->stall_ps < y->stall_ps ? 1 : -1;
  if (x->busy_ps != y->busy_ps) return x->busy_ps < y->busy_ps ? 1 : -1;
  return strcmp(x->name, y->name);
}

static int cmp_peak(const void *a, const void *b) {
  const run_link_summary *x = a, *y = b;
  if (x->peak_util != y->peak_util) return x->peak_util < y->peak_util ? 1 : -1;
  return cmp_link(a, b);
}

/* The links with the most back-pressure, then the busiest (links that
 * carried something), with their peak window. */
static nmsim_status fill_links(const sys *s, run_summary *sum) {
  if (!s->routers || !s->grid || !s->grid->pos) return NMSIM_OK;
  const noc_topology *topo = s->topo;
  size_t n = 0, cap = (size_t)s->n_tiles * NOC_MAX_DIRS;
  run_link_summary *all = nm_calloc(cap ? cap : 1, sizeof *all);
  if (!all) return NMSIM_ENOMEM;
  sum->link_window = s->link_window;
  sum->n_windows = s->win_ps ? s->n_windows : 0;
  for (uint32_t t = 0; t < s->n_tiles; t++)
    for (int d = 0; d < topo->n_dirs; d++) {
      if (topo->neighbour(s->grid, t, d) == NOC_NONE) continue;
      const sys_link *l = &s->routers[t].link[d];
      sum->stall_ps += l->stall_ps;
      if (!l->packets) continue;
      run_link_summary *r = &all[n++];
      snprintf(r->name, sizeof r->name, "tile%u/%s", t, topo->dir_names[d]);
      r->packets = l->packets;
      r->busy_ps = l->busy_ps;
      r->stall_ps = l->stall_ps;
      for (uint64_t k = 0; k < sum->n_windows; k++) {
        size_t slot = ((size_t)k * s->n_tiles + t) * NOC_MAX_DIRS + (size_t)d;
        double u = s->win_ps[k] ? (double)s->win_busy[slot] / (double)s->win_ps[k] : 0.0;
        if (u > r->peak_util) r->peak_util = u, r->peak_window = k;
        if (s->win_stall[slot] > r->peak_stall_ps) r->peak_stall_ps = s->win_stall[slot];
      }
    }
  qsort(all, n, sizeof *all, cmp_link);
  size_t i = 0;
  for (; i < n && sum->n_top_links < 5; i++) sum->top_links[sum->n_top_links++] = all[i];
  /* then the busiest of the others: where queues upstream drain */
  qsort(all + i, n - i, sizeof *all, cmp_peak);
  for (; i < n && sum->n_top_links < RUN_TOP_LINKS; i++)
    sum->top_links[sum->n_top_links++] = all[i];
  nm_free(all);
  return NMSIM_OK;
}

static int cmp_top(const void *a, const void *b) {
  const run_core_summary *x = a, *y = b;
  if (x->crit_steps != y->crit_steps) return x->crit_steps < y->crit_steps ? 1 : -1;
  nmsim_ps bx = x->busy_ps[0] + x->busy_ps[1] + x->busy_ps[2];
  nmsim_ps by = y->busy_ps[0] + y->busy_ps[1] + y->busy_ps[2];
  if (bx != by) return bx < by ? 1 : -1;
  return (x->core > y->core) - (x->core < y->core);
}

/* The mapping (every block of every core) and, in timed mode, the cores
 * that finished their steps last most often. */
static nmsim_status fill_mapping(const sys *s, run_summary *sum) {
  if (s->scn->network) return NMSIM_OK; /* no chip: nothing is mapped */
  sum->grid_w = s->grid->w, sum->grid_h = s->grid->h;
  sum->chip_w = s->grid->chip_w, sum->chip_h = s->grid->chip_h;
  size_t n = 0;
  for (uint32_t i = 0; i < s->n_cores; i++) n += s->cores[i].n_blocks;
  if (!(sum->map = nm_calloc(n ? n : 1, sizeof *sum->map))) return NMSIM_ENOMEM;
  for (uint32_t i = 0; i < s->n_cores; i++)
    for (size_t b = 0; b < s->cores[i].n_blocks; b++) {
      const sys_block *bl = &s->cores[i].blocks[b];
      run_map_entry *m = &sum->map[sum->n_map++];
      *m = (run_map_entry){.pop = nm_strdup(s->scn->pops[bl->pop_id].name), .first = bl->first,
                           .n = bl->n, .core = i, .tile = s->cores[i].tile,
                           .chip = s->cores[i].chip};
      if (!m->pop) return NMSIM_ENOMEM;
    }
  if (s->scn->functional) return NMSIM_OK;
  sum->crit_steps = s->crit_tracked;
  sum->on_ticks = (s->type->flags & CORE_SYNC_TICK) != 0;
  for (int k = 0; k < 4; k++) sum->split_ps[k] = s->split_sum[k];
  run_core_summary *all = nm_calloc(s->n_used ? s->n_used : 1, sizeof *all);
  if (!all) return NMSIM_ENOMEM;
  for (uint32_t u = 0; u < s->n_used; u++) {
    const sys_core *c = &s->cores[s->used[u]];
    all[u] = (run_core_summary){.core = c->id, .tile = c->tile, .chip = c->chip,
                                .crit_steps = c->crit_steps,
                                .crit_comm_steps = c->crit_comm_steps,
                                .busy_ps = {c->busy[0], c->busy[1], c->busy[2]}};
  }
  qsort(all, s->n_used, sizeof *all, cmp_top);
  for (uint32_t u = 0; u < s->n_used && sum->n_top_cores < RUN_TOP_CORES; u++)
    if (all[u].crit_steps) sum->top_cores[sum->n_top_cores++] = all[u];
  nm_free(all);
  return fill_links(s, sum);
}

static nmsim_status fill_summary(const sys *s, run_summary *sum) {
  const nmsim_scenario *scn = s->scn;
  memset(sum, 0, sizeof *sum);
  sum->scenario = nm_strdup(scn->name);
  sum->chip = nm_strdup(s->chip->name);
  sum->mode = nm_strdup(s->scn->network ? "network" : s->scn->functional ? "functional" : "timed");
  sum->nmsim_version = nm_strdup(nmsim_version());
  sum->status = nm_strdup(s->finished ? "complete" : "incomplete");
  sum->pops = nm_calloc(scn->n_pops, sizeof(run_pop_summary));
  if (!sum->scenario || !sum->chip || !sum->nmsim_version || !sum->status || !sum->pops)
    return NMSIM_ENOMEM;
  sum->n_pops = scn->n_pops;
  sum->seed = scn->seed;
  sum->steps = s->step;
  sum->dt_ms = scn->dt_ms;
  sum->n_cores = s->n_cores;
  sum->cores_used = s->n_used;
  sum->tiles_used = s->tiles_used;
  sum->n_chips = s->n_chips;
  sum->chips_used = s->chips_used;
  for (int k = 0; k < NM_E_COUNT; k++) {
    sum->energy_pj[k] = s->energy.pj[k];
    sum->total_pj += s->energy.pj[k];
  }
  /* static power (mW) of every chip of the board over the run's hardware time
   * (ps): mW * ps = 1e-15 J = 1e-3 pJ */
  sum->dynamic_pj = sum->total_pj;
  sum->static_power_mw = s->static_mw;
  sum->static_chip_mw = s->chip->static_chip_mw;
  sum->static_tile_mw = s->chip->static_tile_mw;
  sum->static_core_mw = s->chip->static_core_mw;
  sum->static_gated = s->chip->static_gated;
  sum->n_tiles = s->n_tiles;
  sum->static_pj = sum->static_power_mw * (double)s->hw_time * 1e-3;
  sum->used_static_pj = s->chip->static_core_mw * s->n_used * (double)s->hw_time * 1e-3;
  if (s->dvfs) {
    const chip_pe *pc = &s->chip->pe;
    _Static_assert(RUN_DVFS_LEVELS == CHIP_MAX_LEVELS, "one summary slot per level");
    sum->dvfs = nm_strdup(s->dvfs == SYS_DVFS_LOAD ? "load" : "fixed");
    if (!sum->dvfs) return NMSIM_ENOMEM;
    sum->dvfs_headroom = s->dvfs == SYS_DVFS_LOAD ? s->dvfs_headroom : 0.0;
    sum->dvfs_switches = s->dvfs_switches;
    sum->dvfs_switch_ps = pc->switch_ps;
    sum->dvfs_levels = pc->n_levels;
    for (uint32_t l = 0; l < pc->n_levels; l++) {
      sum->dvfs_clock_hz[l] = pc->level[l].clock_hz;
      sum->dvfs_volts[l] = pc->level[l].volts;
      sum->dvfs_ticks[l] = s->level_ticks[l];
    }
    /* the PEs in use: their levels' static power, tick by tick */
    sum->static_pj += s->dvfs_static_pj;
    sum->used_static_pj = s->dvfs_static_pj;
    sum->static_power_mw = s->hw_time ? sum->static_pj / ((double)s->hw_time * 1e-3) : 0.0;
  }
  sum->total_pj += sum->static_pj;
  sum->hw_time_ps = s->hw_time;
  sum->busy_ps = s->busy_ps;
  sum->step_min_ps = s->step_min;
  sum->step_max_ps = s->step_max;
  sum->step_mean_ps = s->step ? (double)s->lat_steps_ps / (double)s->step : 0.0;
  if (!scn->functional) {
    static const char *const kind[] = {"fast", "fast", "realtime", "recording"};
    sum->pacing = nm_strdup(kind[s->pacing]);
    sum->pacing_from = nm_strdup(s->pace_from);
    sum->pacing_ps = s->pace_ps;
    if (!sum->pacing || !sum->pacing_from) return NMSIM_ENOMEM;
  }
  sum->packets = s->packets;
  sum->hops = s->hops;
  sum->tick_overruns = s->tick_overruns;
  sum->window_max_pj = s->window_max_pj;
  /* the trials the run reached */
  size_t nt = 0;
  while (nt < s->n_trials && s->trial_done[nt]) nt++;
  if (nt) {
    if (!(sum->trials = nm_calloc(nt, sizeof *sum->trials))) return NMSIM_ENOMEM;
    for (size_t t = 0; t < nt; t++)
      sum->trials[t] = (run_trial_summary){s->trial_label[t], s->trial_done[t] == s->trial_len[t],
                                           s->trial_start[t], s->trial_done[t], s->trial_pj[t],
                                           s->trial_ps[t]};
    sum->n_trials = nt;
  }
  sum->power_max_mw = s->power_max_mw;
  for (uint32_t u = 0; u < s->n_used; u++) {
    double ut[4];
    sys_core_utilisation(s, &s->cores[s->used[u]], ut);
    sum->util_neurons_mean += ut[0] / s->n_used;
    sum->util_synmem_mean += ut[1] / s->n_used;
    sum->util_neurons_max = fmax(sum->util_neurons_max, ut[0]);
    sum->util_synmem_max = fmax(sum->util_synmem_max, ut[1]);
    sum->util_fanin_max = fmax(sum->util_fanin_max, ut[2]);
    sum->util_fanout_max = fmax(sum->util_fanout_max, ut[3]);
  }
  sum->window_mean_pj = s->step ? sum->total_pj / (double)s->step : 0.0;
  for (size_t p = 0; p < scn->n_pops; p++)
    if (scn->pops[p].dvs)
      sum->input_events += dvs_replay_get_counts(scn->pops[p].dvs).used;
  sum->late_packets = s->late_packets;
  sum->spikes = s->spikes;
  sum->synaptic_ops = s->energy.n[NM_E_SYN_OP];
  sum->neuron_updates = s->energy.n[NM_E_NEURON_UPDATE] + s->energy.n[NM_E_NEURON_IDLE];
  uint64_t delivered = 0;
  for (uint32_t b = 0; b < SYS_LAT_BINS; b++) delivered += s->lat_hist[b];
  sum->packet_mean_ps = delivered ? s->lat_sum_ps / (double)delivered : 0.0;
  /* p99: upper edge of the bin where the cumulative count reaches 99 %,
   * capped at the largest latency (the run file's /packets has both) */
  uint64_t need = (delivered * 99 + 99) / 100, cum = 0;
  sum->packet_p99_ps = (double)s->lat_max;
  for (uint32_t b = 0; b < SYS_LAT_BINS && delivered; b++) {
    cum += s->lat_hist[b];
    if (cum >= need) {
      double edge = sys_lat_edge_ps(b + 1);
      sum->packet_p99_ps = edge < (double)s->lat_max ? edge : (double)s->lat_max;
      break;
    }
  }
  double secs = (double)s->step * scn->dt_ms * 1e-3;
  for (size_t p = 0; p < scn->n_pops; p++) {
    run_pop_summary *ps = &sum->pops[p];
    ps->name = nm_strdup(scn->pops[p].name);
    ps->model = nm_strdup(scn->pops[p].model->name);
    if (!ps->name || !ps->model) return NMSIM_ENOMEM;
    ps->size = scn->pops[p].size;
    ps->spikes = s->pop_total_spikes[p];
    ps->bursts = s->pop_bursts[p];
    ps->rate_hz = secs > 0 ? (double)ps->spikes / ps->size / secs : 0.0;
    nm_energy e_net;
    const nm_energy *e = &s->pop_energy[p];
    if (scn->network) {
      /* network mode: population p is core p, whose synaptic events are its
       * own (not charged twice on the hot path) */
      e_net = *e;
      e_net.n[NM_E_SYN_OP] = 0;
      e_net.fx_hi[NM_E_SYN_OP] = e_net.fx_lo[NM_E_SYN_OP] = 0;
      e_net.pj[NM_E_SYN_OP] = 0;
      nm_energy one = {0};
      one.n[NM_E_SYN_OP] = s->cores[p].energy.n[NM_E_SYN_OP];
      one.fx_hi[NM_E_SYN_OP] = s->cores[p].energy.fx_hi[NM_E_SYN_OP];
      one.fx_lo[NM_E_SYN_OP] = s->cores[p].energy.fx_lo[NM_E_SYN_OP];
      nm_energy_merge(&e_net, &one);
      e = &e_net;
    }
    ps->pj_neurons = e->pj[NM_E_NEURON_UPDATE] + e->pj[NM_E_NEURON_IDLE];
    ps->pj_synapses = e->pj[NM_E_SYN_OP];
    ps->pj_learning = e->pj[NM_E_SYN_UPDATE];
    ps->pj_spikes = e->pj[NM_E_SPIKE_OUT];
    ps->busy_ps = scn->functional ? 0 : s->pop_busy[p];
  }
  sum->pop_cost = 1;
  nmsim_status rc = fill_mapping(s, sum);
  if (rc != NMSIM_OK) return rc;
  return NMSIM_OK;
}

/* ---- driver -------------------------------------------------------------- */

static char *dir_of(const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash) return nm_strdup(".");
  size_t n = (size_t)(slash - path);
  char *d = nm_malloc(n + 2);
  if (!d) return NULL;
  if (n == 0) n = 1; /* "/x" -> "/" */
  memcpy(d, path, n);
  d[n] = 0;
  return d;
}

nmsim_status run_scenario(const nmsim_scenario *scn, const run_opts *o, run_summary *sum,
                          nmsim_err *err) {
  nmsim_status rc;
  nmsim_chip *chip = NULL;
  sys *s = NULL;
  run_rec rec = {.scn = scn};
  h5o_pop *pops = NULL;
  h5o_state *states = NULL;
  const char ***var_names = NULL, ***var_units = NULL;
  const bool in_memory = o && !o->h5_path && o->h5_image;
  memset(sum, 0, sizeof *sum);

  char *base = dir_of(scn->path);
  if (!base) return NMSIM_ENOMEM_ERR(err);
  rc = nmsim_chip_load(scn->chip, base, &chip, err);
  nm_free(base);
  if (rc != NMSIM_OK) goto done;
  /* split (MPI ranks, threads): this part builds and runs its share of the
   * system; part 0 writes. A part's build can fail where another's does not
   * (it allocates only its own cores): every part learns of a failure. */
  bool writer = nmc_rank() == 0;
  sys_split split = {.rank = nmc_rank(), .size = nmc_size(),
                     .strategy = o ? o->partition : NULL};
  rc = sys_build_split(scn, chip, nmc_size() > 1 ? &split : NULL, &s, err);
  if (nmc_size() > 1) rc = nmc_agree(rc, err);
  if (rc != NMSIM_OK) goto done;
  if (scn->network && o && o->threads > 1 &&
      (rc = nm_pool_create((unsigned)o->threads, &s->pool)) != NMSIM_OK) {
    rc = NMSIM_ERR(err, rc, "--threads %d: could not start the threads", o->threads);
    goto done;
  }

  rec.values = nm_calloc(scn->n_rec_state + 1, sizeof(double *));
  rec.spk = nm_calloc(scn->n_pops, sizeof(uint32_t *));
  pops = nm_calloc(scn->n_pops, sizeof(h5o_pop));
  states = nm_calloc(scn->n_rec_state + 1, sizeof(h5o_state));
  var_names = nm_calloc(scn->n_rec_state + 1, sizeof(char **));
  var_units = nm_calloc(scn->n_rec_state + 1, sizeof(char **));
  if (!rec.values || !rec.spk || !pops || !states || !var_names || !var_units) {
    rc = NMSIM_ENOMEM_ERR(err);
    goto done;
  }
  for (size_t p = 0; p < scn->n_pops; p++)
    pops[p] = (h5o_pop){.name = scn->pops[p].name, .model = scn->pops[p].model->name,
                        .size = scn->pops[p].size, .record_spikes = scn->rec_spikes[p]};
  for (size_t k = 0; k < scn->n_rec_state; k++) {
    const scn_state_rec *sr = &scn->rec_state[k];
    const nmsim_neuron_type *m = scn->pops[sr->pop].model;
    rec.values[k] = nm_calloc(sr->n_vars * sr->n_neurons + 1, sizeof(double));
    var_names[k] = nm_calloc(sr->n_vars + 1, sizeof(char *));
    var_units[k] = nm_calloc(sr->n_vars + 1, sizeof(char *));
    if (!rec.values[k] || !var_names[k] || !var_units[k]) {
      rc = NMSIM_ENOMEM_ERR(err);
      goto done;
    }
    for (size_t v = 0; v < sr->n_vars; v++) {
      var_names[k][v] = m->vars[sr->vars[v]].name;
      var_units[k][v] = m->vars[sr->vars[v]].unit;
    }
    states[k] = (h5o_state){.pop = sr->pop, .n_vars = sr->n_vars,
                            .var_names = var_names[k], .var_units = var_units[k],
                            .n_neurons = sr->n_neurons, .neurons = sr->neurons};
  }
  if (o && (o->h5_path || in_memory) && writer) {
    h5o_layout lay = {.scenario_name = scn->name, .scenario_text = scn->text,
                      .chip_name = chip->name, .chip_text = chip->text, .seed = scn->seed,
                      .steps = scn->steps, .dt_ms = scn->dt_ms, .n_cores = s->n_cores,
                      .pops = pops, .n_pops = scn->n_pops, .states = states,
                      .n_states = scn->n_rec_state, .n_tiles = s->n_tiles,
                      .static_power_mw = s->static_mw,
                      .timed = !scn->functional,
                      .overrides_json = o->overrides_json,
                      .image = in_memory ? o->h5_image : NULL,
                      .image_len = in_memory ? o->h5_image_len : NULL};
    rc = h5o_open(in_memory ? scn->name : o->h5_path, &lay, &rec.w, err);
  }
  if (s->part) rc = nmc_agree(rc, err);
  if (rc != NMSIM_OK) goto done;
  s->hook = run_step_hook;
  s->hook_ctx = &rec;
  prog_start(&rec.prog, o && o->progress && writer, stderr, scn->steps, scn->dt_ms);
  if (o && o->progress && writer && o->progress_sink)
    prog_sink_to(&rec.prog, o->progress_sink, o->progress_ctx);
  double t_run = nmc_wtime();
  rc = sys_run(s, err);
  t_run = nmc_wtime() - t_run;
  prog_end(&rec.prog);
  noc_fold_link_energy(s); /* the routers' hop energy, before anything reads it */
  if (s->part && rc == NMSIM_OK) rc = part_gather(s, err);
  if (getenv("NMSIM_PART_STATS")) {
    if (s->part) part_print_stats(s, stderr);
    else fprintf(stderr, "partition: 1 rank\nrank 0: run %.3f s, sync 0.000 s\n", t_run);
  }
  if (rc != NMSIM_OK) {
    /* keeps rc and err; an interrupted run's file says so, with its end time */
    if (rec.w) h5o_end_run(rec.w, rc == NMSIM_EINTR ? "interrupted" : "failed",
                           err ? err->msg : "", NULL);
    goto done;
  }
  if (fill_summary(s, sum) != NMSIM_OK) {
    rc = NMSIM_ENOMEM_ERR(err);
    goto done;
  }
  /* a recording that failed mid-run is reported here */
  for (size_t p = 0; p < scn->n_pops; p++)
    if (scn->pops[p].dvs && (rc = dvs_replay_status(scn->pops[p].dvs, err)) != NMSIM_OK) {
      if (rec.w) h5o_fail_run(rec.w, err ? err->msg : "", NULL);
      goto done;
    }
  if (rec.w) {
    /* what other modules add to the run file, handed over as tables before
     * it is marked complete */
    h5o_items items = {0};
    rc = sys_weight_items(s, &items, err);
    if (rc == NMSIM_OK) rc = sys_utilisation_items(s, &items, err);
    for (size_t p = 0; p < scn->n_pops && rc == NMSIM_OK; p++)
      if (scn->pops[p].dvs)
        rc = dvs_replay_items(scn->pops[p].dvs, scn->pops[p].name, scn->steps, &items, err);
    if (rc == NMSIM_OK) rc = h5o_add(rec.w, &items, err);
    h5o_items_free(&items);
    if (rc != NMSIM_OK) {
      h5o_fail_run(rec.w, err ? err->msg : "", NULL);
      goto done;
    }
    h5t_tables t;
    if ((rc = h5t_gather(s, sum, &t, err)) == NMSIM_OK) rc = h5o_finish(rec.w, &t.fin, err);
    h5t_free(&t);
  }
done:
  h5o_close(rec.w); /* an in-memory run file is handed over here */
  if (in_memory && rc != NMSIM_OK) {
    nm_free(*o->h5_image);
    *o->h5_image = NULL;
    *o->h5_image_len = 0;
  }
  for (size_t k = 0; rec.values && k < scn->n_rec_state; k++) {
    nm_free(rec.values[k]);
    if (var_names) nm_free((void *)var_names[k]);
    if (var_units) nm_free((void *)var_units[k]);
  }
  nm_free(rec.values);
  nm_free((void *)rec.spk);
  nm_free(pops);
  nm_free(states);
  nm_free((void *)var_names);
  nm_free((void *)var_units);
  sys_destroy(s);
  nmsim_chip_destroy(chip);
  if (rc != NMSIM_OK) run_summary_clear(sum);
  return rc;
}

/* ---- a run on a team of threads --------------------------------------------- */

typedef struct thr_job {
  const nmsim_scenario **scn; /* each member's own scenario (its own recordings) */
  const run_opts *o;          /* member 0's: the run file, progress */
  run_summary *sum;
  nmsim_err *err;
  nmsim_status *rc;
} thr_job;

static void thr_member(void *ctx, int rank) {
  thr_job *j = ctx;
  run_opts quiet = {.partition = j->o ? j->o->partition : NULL};
  j->rc[rank] = run_scenario(j->scn[rank], rank == 0 ? j->o : &quiet, &j->sum[rank],
                             &j->err[rank]);
}

nmsim_status run_scenario_threads(const nmsim_scenario *scn, int threads, const run_opts *o,
                                  run_summary *sum, nmsim_err *err) {
  if (threads <= 1) return run_scenario(scn, o, sum, err);
  memset(sum, 0, sizeof *sum);
  if (threads > 256)
    return NMSIM_ERR(err, NMSIM_EINPUT, "--threads %d: at most 256", threads);
  if (scn->network) {
    /* one system; its large populations' updates cut over the threads */
    run_opts net = o ? *o : (run_opts){0};
    net.threads = threads;
    return run_scenario(scn, &net, sum, err);
  }
  for (size_t p = 0; p < scn->n_pops; p++)
    if (scn->pops[p].dvs && dvs_replay_info(scn->pops[p].dvs)->format == DVS_H5)
      return NMSIM_ERR(err, NMSIM_EINPUT, "%s: population '%s' replays HDF5 events, and the "
                       "HDF5 library serves one thread: run it on one thread, or replay the "
                       "recording in its original format", scn->path, scn->pops[p].name);
  size_t n = (size_t)threads;
  const nmsim_scenario **copies = nm_calloc(n, sizeof *copies);
  run_summary *sums = nm_calloc(n, sizeof *sums);
  nmsim_err *errs = nm_calloc(n, sizeof *errs);
  nmsim_status *rcs = nm_calloc(n, sizeof *rcs);
  nmsim_status rc = copies && sums && errs && rcs ? NMSIM_OK : NMSIM_ENOMEM_ERR(err);
  if (rc == NMSIM_OK) copies[0] = scn;
  /* each member reads its own copy (recordings, files): loaded here, one
   * after the other, since the readers (HDF5 among them) serve one thread */
  for (size_t t = 1; rc == NMSIM_OK && t < n; t++) {
    nmsim_scenario *c = NULL;
    rc = scn_reload(scn, &c, err);
    copies[t] = c;
  }
  if (rc == NMSIM_OK) {
    thr_job job = {.scn = copies, .o = o, .sum = sums, .err = errs, .rc = rcs};
    rc = nmc_team_run(threads, thr_member, &job, err);
  }
  if (rc == NMSIM_OK) {
    rc = rcs[0];
    if (rc == NMSIM_OK) *sum = sums[0];
    else if (err) *err = errs[0];
    for (size_t t = 1; t < n; t++)
      if (rcs[t] == NMSIM_OK) run_summary_clear(&sums[t]);
  }
  for (size_t t = 1; copies && t < n; t++) nmsim_scenario_destroy((nmsim_scenario *)copies[t]);
  nm_free(copies);
  nm_free(sums);
  nm_free(errs);
  nm_free(rcs);
  return rc;
}
