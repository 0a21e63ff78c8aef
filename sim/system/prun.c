/* prun.c: the run loops of a system split over MPI ranks (partition: sim/mpi/partition.h):
 * timed mode in conservative windows of the lookahead, functional mode one
 * step per window, and the step's end (spikes gathered, learning, step energy
 * and end time reduced, recorded state brought to rank 0) shared by both. */
#include <stdlib.h>
#include <string.h>

#include "cores/learning.h"
#include "cores/neurocore.h"
#include "noc/noc_int.h"
#include "sim/load/scenario_int.h"
#include "sim/system/prun.h"
#include "sim/system/timed.h"

/* ---- events and spikes for other ranks ---------------------------------- */

/* Engine hook: an event whose destination unit another rank owns goes to that
 * rank's outbox. Only link hops and credits cross, and the lookahead puts them
 * beyond the current window. */
static int part_remote(void *ctx, const sim_event *ev) {
  sys *s = ctx;
  sys_part *p = s->part;
  if (ev->dst >= p->n_units) return 0; /* the barrier unit: everywhere */
  uint32_t r = p->unit_rank[ev->dst];
  if (r == (uint32_t)p->rank) return 0;
  if (NMSIM_UNLIKELY(ev->time < p->win_end || p->nb_of[r] < 0))
    NMSIM_PANIC("event of kind %u for unit %u on rank %u at %llu ps, before the window's "
                "end at %llu ps or to no neighbour: the lookahead is wrong",
                ev->kind, ev->dst, r, (unsigned long long)ev->time,
                (unsigned long long)p->win_end);
  nmc_buf *b = &p->out[p->nb_of[r]];
  if (nmc_buf_reserve(b, sizeof *ev) != NMSIM_OK) return -1;
  memcpy(b->p + b->n, ev, sizeof *ev);
  b->n += sizeof *ev;
  p->events_sent++;
  return 1;
}

/* A spike message of functional mode: the receiver applies the rows of the
 * targets it owns from its copy of the source's out list. */
typedef struct part_spike {
  uint32_t src, j;
  double value;
} part_spike;

/* Functional mode: the spike of local neuron j of core src (value `value`)
 * has a target on core dst of another process (the system's s->defer). */
static void part_defer_spike(sys *s, uint32_t src, uint32_t j, uint32_t dst, double value) {
  sys_part *p = s->part;
  int k = p->nb_of[p->unit_rank[dst]];
  uint64_t key = (uint64_t)src << 32 | j;
  if (p->last_sent[k] == key) return; /* one message per spike and rank */
  p->last_sent[k] = key;
  part_spike m = {.src = src, .j = j, .value = value};
  if (nmc_buf_reserve(&p->out[k], sizeof m) != NMSIM_OK) {
    s->oom = true;
    return;
  }
  memcpy(p->out[k].p + p->out[k].n, &m, sizeof m);
  p->out[k].n += sizeof m;
  p->events_sent++;
}

/* Send the outboxes to the neighbours and take what they sent. */
static nmsim_status exchange(sys_part *p, nmsim_err *err) {
  nmsim_status rc = nmc_exchange(p->n_nb, p->nb, p->out, p->in, err);
  for (int k = 0; k < p->n_nb; k++) p->out[k].n = 0;
  return rc;
}

/* Queue the events the neighbours sent (timed and PE runs). */
static nmsim_status schedule_inbox(sys_part *p, sim_engine *e) {
  for (int k = 0; k < p->n_nb; k++)
    for (size_t at = 0; at + sizeof(sim_event) <= p->in[k].n; at += sizeof(sim_event)) {
      sim_event ev;
      memcpy(&ev, p->in[k].p + at, sizeof ev);
      p->events_received++;
      nmsim_status rc = sim_engine_schedule(e, &ev);
      if (rc != NMSIM_OK) return rc;
    }
  return NMSIM_OK;
}

/* ---- the end of a step ---------------------------------------------------- */

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

/* Every rank gets every spike of the step, each population's in neuron order
 * (the order of one process). */
static nmsim_status gather_spikes(sys *s, nmsim_err *err) {
  sys_part *p = s->part;
  const nmsim_scenario *scn = s->scn;
  size_t n = 0;
  for (size_t q = 0; q < scn->n_pops; q++) n += s->pop_nspikes[q];
  nmsim_status rc = NMSIM_OK;
  if (2 * n > p->spk_cap) {
    uint32_t *x = nm_realloc(p->spk, 2 * n * sizeof *x);
    if (x) p->spk = x, p->spk_cap = 2 * n;
    else rc = NMSIM_ENOMEM_ERR(err);
  }
  if ((rc = nmc_agree(rc, err)) != NMSIM_OK) return rc; /* before the gather */
  size_t at = 0;
  for (size_t q = 0; q < scn->n_pops; q++)
    for (size_t k = 0; k < s->pop_nspikes[q]; k++) {
      p->spk[at++] = (uint32_t)q;
      p->spk[at++] = s->pop_spikes[q][k];
    }
  size_t n_all = 0;
  rc = nmc_allgather_u32(p->spk, at, &p->all, &n_all, &p->all_cap, err);
  if (rc != NMSIM_OK) return rc;
  for (size_t q = 0; q < scn->n_pops; q++) s->pop_nspikes[q] = 0;
  for (size_t k = 0; k < n_all; k += 2) {
    uint32_t q = p->all[k];
    s->pop_spikes[q][s->pop_nspikes[q]++] = p->all[k + 1];
  }
  for (size_t q = 0; q < scn->n_pops; q++)
    if (s->pop_nspikes[q] > 1)
      qsort(s->pop_spikes[q], s->pop_nspikes[q], sizeof(uint32_t), cmp_u32);
  return NMSIM_OK;
}

/* Bring the recorded state values to rank 0 (p->rec_buf, read by the run's
 * step hook). */
static void gather_state(sys *s) {
  sys_part *p = s->part;
  if (!p->n_rec) return;
  for (size_t k = 0; k < p->n_rec; k++) {
    const part_rec *r = &p->rec[k];
    uint64_t v = 0;
    if (r->rank == (uint32_t)p->rank && r->bytes == 8) memcpy(&v, (char *)r->base + 8 * r->i, 8);
    if (r->rank == (uint32_t)p->rank && r->bytes == 4) {
      uint32_t u;
      memcpy(&u, (char *)r->base + 4 * r->i, 4);
      v = u;
    }
    p->rec_buf[k] = v;
  }
  nmc_reduce_or_u64(p->rec_buf, p->n_rec);
}

/* How a step ends: a Loihi-like barrier (timed), no time (functional), or
 * the first tick of the next step of SpiNNaker-like PEs. */
typedef enum { END_BARRIER, END_FUNCTIONAL, END_TICK } end_kind;

/* The step's work is done on every rank: learning on every spike, the step's
 * energy and timing reduced over the ranks, then the step is closed and its
 * hook run. At a barrier the step ends at max(work) + max(learning) + the
 * barrier, as in one process (*t_end gets it); for PEs the longest tick and
 * the latest next tick over every PE. */
static nmsim_status end_step(sys *s, end_kind how, nmsim_ps *t_end, nmsim_err *err) {
  sys_part *p = s->part;
  nmsim_status rc = gather_spikes(s, err); /* the same status on every rank */
  if (rc != NMSIM_OK) return rc;
  nmsim_ps t0_local = 0, t1_local = 0, work_local = 0;
  if (how == END_TICK) s->type->tick->step_timing(s, &t0_local, &t1_local, &work_local);
  nmsim_ps learn = sys_learn(s);
  if (how == END_BARRIER && p->rank == 0)
    sys_charge(&s->step_energy, NM_E_BARRIER, s->tiles_used,
               s->chip->barrier_energy_pj_per_tile);
  /* maxima, then sums (event counts, PE ticks per DVFS level), then the
   * fixed-point energies */
  enum { M = 5, NL = CHIP_MAX_LEVELS, FX = M + NM_E_COUNT + NL, W = FX + 2 * NM_E_COUNT };
  uint64_t v[W];
  noc_fold_step_hops(s); /* this rank's hops, before the sums go out */
  nm_energy *e = &s->step_energy;
  v[0] = how == END_TICK ? t0_local : s->work_end;
  v[1] = how == END_TICK ? t1_local : learn;
  v[2] = work_local;
  /* the critical path: the key of the core that finished last here, and the
   * longest own updates (sys_crit_key) */
  uint64_t key = 0;
  nmsim_ps compute = 0;
  if (how == END_BARRIER) core_crit_barrier(s, &key, &compute);
  else if (how == END_TICK && s->type->tick->critical) s->type->tick->critical(s, &key, &compute);
  v[3] = key;
  v[4] = compute;
  for (int k = 0; k < NM_E_COUNT; k++) {
    v[M + k] = e->n[k];
    v[FX + 2 * k] = e->fx_hi[k];
    v[FX + 2 * k + 1] = e->fx_lo[k];
  }
  for (int l = 0; l < NL; l++) v[M + NM_E_COUNT + l] = s->step_level_ticks[l];
  double t0 = nmc_wtime();
  nmc_allreduce(v, &(nmc_layout){.n_max = M, .n_sum = NM_E_COUNT + NL, .n_fx = NM_E_COUNT});
  for (int l = 0; l < NL; l++) s->step_level_ticks[l] = v[M + NM_E_COUNT + l];
  s->crit_key = v[3];
  s->crit_compute = v[4];
  s->crit_learn = how == END_BARRIER ? v[1] : 0;
  p->t_sync += nmc_wtime() - t0;
  memset(e, 0, sizeof *e);
  for (int k = 0; k < NM_E_COUNT; k++) {
    nm_energy one = {0};
    one.n[k] = v[M + k];
    one.fx_hi[k] = v[FX + 2 * k];
    one.fx_lo[k] = v[FX + 2 * k + 1];
    nm_energy_merge(e, &one);
  }
  *t_end = how == END_BARRIER ? v[0] + v[1] + s->barrier_ps : 0;
  gather_state(s);
  p->steps++;
  bool ok = how == END_TICK ? s->type->tick->end_step(s, v[0], v[1], v[2], err)
                            : core_close_step(s, *t_end, err);
  if (!ok) rc = err->code ? err->code : NMSIM_EINTERNAL;
  return nmc_agree(rc, err);
}

/* ---- timed mode ----------------------------------------------------------- */

static nmsim_status run_timed(sys *s, nmsim_err *err) {
  sys_part *p = s->part;
  sim_pq_opts qo = {.max_events = s->scn->max_events};
  nmsim_status rc = sim_engine_create(s->scn->queue, &qo, &s->eng, err);
  if ((rc = nmc_agree(rc, err)) != NMSIM_OK) return rc;
  sim_engine *e = s->eng;
  sim_engine_set_remote(e, part_remote, s);
  sys_wire(s); /* the barrier's own events are never scheduled here: end_step ends a step */
  rc = nmc_agree(sys_start(s, err), err);
  nmsim_ps T = 0, L = p->lookahead;
  while (rc == NMSIM_OK) {
    /* the window [T, T + L): every event of another rank that can affect it
     * was sent before it began */
    p->win_end = T > UINT64_MAX - L ? UINT64_MAX : T + L;
    nmsim_status lrc = sim_engine_run_until(e, p->win_end, err);
    double t0 = nmc_wtime();
    /* every rank exchanges, even after a failure, so that none waits */
    nmsim_status xrc = exchange(p, err);
    if (lrc == NMSIM_OK) lrc = xrc;
    if (lrc == NMSIM_OK) lrc = schedule_inbox(p, e);
    if (lrc != NMSIM_OK && err && !err->msg[0]) sim_engine_run_until(e, 0, err);
    /* the next event anywhere, and whether the step's work is done: every
     * core finished and no packet in flight (counts summed over ranks) */
    uint64_t v[4] = {sim_engine_next_time(e), lrc, s->cores_done, s->in_flight};
    nmc_allreduce(v, &(nmc_layout){.n_min = 1, .n_max = 1, .n_sum = 2});
    p->t_sync += nmc_wtime() - t0;
    p->windows++;
    if (v[1] != NMSIM_OK) {
      rc = nmc_agree(lrc, err);
      break;
    }
    nmsim_ps next = v[0];
    if (v[2] == s->n_used && v[3] == 0) {
      nmsim_ps tb;
      if ((rc = end_step(s, END_BARRIER, &tb, err)) != NMSIM_OK) break;
      if (s->step >= s->scn->steps) {
        s->finished = true;
        break;
      }
      tb = core_next_start(s, tb);
      if ((rc = nmc_agree(s->type->start_step(s, tb), err)) != NMSIM_OK) break;
      if (tb < next) next = tb;
    }
    if (next == UINT64_MAX) {
      rc = NMSIM_ERR(err, NMSIM_EINTERNAL, "the event queue ran dry at step %llu of %llu",
                     (unsigned long long)s->step, (unsigned long long)s->scn->steps);
      break;
    }
    T = next;
  }
  return rc;
}

/* ---- free-running cores (CORE_SYNC_TICK) ----------------------------------------------------- */

/* Windows of the lookahead as in timed mode, but step k closes when the
 * first PE's tick k + 1 fires (pe_close_time), a time known in advance: a
 * window ends there, then the events of that time that precede a tick in the
 * total order run, and the step closes on every rank, exactly where one
 * process closes it. */
static nmsim_status run_pe(sys *s, nmsim_err *err) {
  sys_part *p = s->part;
  uint64_t steps = s->scn->steps;
  sim_pq_opts qo = {.max_events = s->scn->max_events};
  nmsim_status rc = sim_engine_create(s->scn->queue, &qo, &s->eng, err);
  if ((rc = nmc_agree(rc, err)) != NMSIM_OK) return rc;
  sim_engine *e = s->eng;
  sim_engine_set_remote(e, part_remote, s);
  sys_wire(s);
  rc = nmc_agree(sys_start(s, err), err);
  nmsim_ps T = 0, L = p->lookahead, t_unused;
  const core_tick_ops *tk = s->type->tick;
  nmsim_ps C = steps > 1 ? tk->close_time(s, 0) : UINT64_MAX;
  while (rc == NMSIM_OK) {
    nmsim_ps end = T > UINT64_MAX - L ? UINT64_MAX : T + L;
    if (C < end) end = C;
    p->win_end = end;
    nmsim_status lrc = sim_engine_run_until(e, end, err);
    double t0 = nmc_wtime();
    nmsim_status xrc = exchange(p, err); /* even after a failure, so that none waits */
    if (lrc == NMSIM_OK) lrc = xrc;
    if (lrc == NMSIM_OK) lrc = schedule_inbox(p, e);
    /* what they cause lies beyond C + L: it waits in the outboxes */
    if (lrc == NMSIM_OK && end == C) lrc = sim_engine_run_before(e, C, SIM_EV_PE_TICK, err);
    if (lrc != NMSIM_OK && err && !err->msg[0]) sim_engine_run_until(e, 0, err);
    uint64_t v[2] = {sim_engine_next_time(e), lrc};
    nmc_allreduce(v, &(nmc_layout){.n_min = 1, .n_max = 1});
    p->t_sync += nmc_wtime() - t0;
    p->windows++;
    if (v[1] != NMSIM_OK) {
      rc = nmc_agree(lrc, err);
      break;
    }
    if (end == C) {
      if ((rc = end_step(s, END_TICK, &t_unused, err)) != NMSIM_OK) break;
      C = s->step + 1 < steps ? tk->close_time(s, s->step) : UINT64_MAX;
    }
    if (v[0] == UINT64_MAX && C == UINT64_MAX) break;
    T = v[0] < C ? v[0] : C;
  }
  if (rc != NMSIM_OK) return rc;
  /* no event anywhere: the last tick's overruns, then the last step */
  uint64_t fl[1] = {s->in_flight};
  nmc_allreduce(fl, &(nmc_layout){.n_sum = 1});
  if (NEVER(fl[0] != 0))
    return NMSIM_ERR(err, NMSIM_EINTERNAL, "%llu packet copies are stuck in the network",
                     (unsigned long long)fl[0]);
  tk->last_overruns(s);
  while (rc == NMSIM_OK && s->step < steps) rc = end_step(s, END_TICK, &t_unused, err);
  if (rc == NMSIM_OK) s->finished = true;
  return rc;
}

/* ---- functional mode ------------------------------------------------------ */

static nmsim_status run_functional(sys *s, nmsim_err *err) {
  sys_part *p = s->part;
  nmsim_status rc = NMSIM_OK;
  s->step_start = 0;
  while (s->step < s->scn->steps) {
    for (int k = 0; k < p->n_nb; k++) p->last_sent[k] = UINT64_MAX;
    for (uint32_t i = 0; i < s->n_used; i++)
      if (sys_core_here(s, s->used[i])) core_update(s, &s->cores[s->used[i]], 0);
    double t0 = nmc_wtime();
    nmsim_status lrc = exchange(p, err); /* even after a failure, so that none waits */
    p->t_sync += nmc_wtime() - t0;
    /* the spikes of other ranks' neurons onto this rank's cores */
    for (int k = 0; k < p->n_nb && lrc == NMSIM_OK; k++)
      for (size_t at = 0; at + sizeof(part_spike) <= p->in[k].n; at += sizeof(part_spike)) {
        part_spike m;
        memcpy(&m, p->in[k].p + at, sizeof m);
        p->events_received++;
        const sys_core *c = &s->cores[m.src];
        for (uint32_t o = c->out_ptr[m.j]; o < c->out_ptr[m.j + 1]; o++)
          if (sys_core_here(s, c->out[o].core))
            core_apply_row(s, &s->cores[c->out[o].core], c->out[o].axon, m.value);
      }
    if (s->oom && lrc == NMSIM_OK) lrc = NMSIM_ENOMEM_ERR(err);
    if ((rc = nmc_agree(lrc, err)) != NMSIM_OK) return rc;
    p->windows++;
    nmsim_ps t;
    if ((rc = end_step(s, END_FUNCTIONAL, &t, err)) != NMSIM_OK) return rc;
  }
  s->finished = true;
  return NMSIM_OK;
}

nmsim_status part_run(sys *s, nmsim_err *err) {
  double t0 = nmc_wtime();
  s->defer = part_defer_spike;
  nmsim_status rc = s->scn->functional                        ? run_functional(s, err)
                    : (s->type->flags & CORE_SYNC_TICK) ? run_pe(s, err)
                                                        : run_timed(s, err);
  s->part->t_run = nmc_wtime() - t0;
  return rc;
}

/* ---- results to rank 0 ---------------------------------------------------- */

/* Pack an energy record as 4 x NM_E_COUNT words (n, fx_hi, fx_lo, pj bits). */
enum { EW = 4 * NM_E_COUNT };
static void pack_energy(const nm_energy *e, uint64_t *w, bool mine) {
  for (int k = 0; k < NM_E_COUNT; k++) {
    w[k] = mine ? e->n[k] : 0;
    w[NM_E_COUNT + k] = mine ? e->fx_hi[k] : 0;
    w[2 * NM_E_COUNT + k] = mine ? e->fx_lo[k] : 0;
    uint64_t b = 0;
    if (mine) memcpy(&b, &e->pj[k], 8);
    w[3 * NM_E_COUNT + k] = b;
  }
}
static void unpack_energy(nm_energy *e, const uint64_t *w) {
  for (int k = 0; k < NM_E_COUNT; k++) {
    e->n[k] = w[k];
    e->fx_hi[k] = w[NM_E_COUNT + k];
    e->fx_lo[k] = w[2 * NM_E_COUNT + k];
    memcpy(&e->pj[k], &w[3 * NM_E_COUNT + k], 8);
  }
}

/* An energy record as PW words that add exactly over the ranks: per category
 * n, fx_hi and fx_lo in two 32-bit halves (a sum of halves carries nothing). */
enum { PW = 4 * NM_E_COUNT };
static void pack_energy_sum(const nm_energy *e, uint64_t *w) {
  for (int k = 0; k < NM_E_COUNT; k++) {
    w[4 * k] = e->n[k];
    w[4 * k + 1] = e->fx_hi[k];
    w[4 * k + 2] = e->fx_lo[k] >> 32;
    w[4 * k + 3] = e->fx_lo[k] & 0xffffffffu;
  }
}
static void unpack_energy_sum(nm_energy *e, const uint64_t *w) {
  __extension__ typedef unsigned __int128 u128;
  for (int k = 0; k < NM_E_COUNT; k++) {
    u128 lo = ((u128)w[4 * k + 2] << 32) + w[4 * k + 3];
    e->n[k] = w[4 * k];
    e->fx_hi[k] = w[4 * k + 1] + (uint64_t)(lo >> 64);
    e->fx_lo[k] = (uint64_t)lo;
    e->pj[k] = (double)e->fx_hi[k] + (double)e->fx_lo[k] * 0x1p-64;
  }
}

nmsim_status part_gather(sys *s, nmsim_err *err) {
  sys_part *p = s->part;
  const uint32_t me = (uint32_t)p->rank;
  /* per core and per tile: energy; per link: packets and busy time. Each
   * value is set by its owner alone, so a bitwise OR carries its exact bits */
  size_t per_tile = EW + 3 * NOC_MAX_DIRS;
  /* per core: energy, busy time by kind, critical steps */
  enum { CW = EW + 5 };
  size_t n = (size_t)s->n_cores * CW + (size_t)s->n_tiles * per_tile;
  size_t np = s->scn->n_pops, m = SYS_LAT_BINS + 7 + np * (2 + PW) + 1, max_syn = 0;
  for (uint32_t i = 0; i < s->n_cores; i++)
    if (s->cores[i].syn_proj && s->cores[i].n_syn > max_syn) max_syn = s->cores[i].n_syn;
  /* allocate first and agree, so that no rank leaves a collective unmatched */
  uint64_t *w = nm_calloc(n + 1, sizeof *w), *u = nm_calloc(m, sizeof *u);
  uint64_t *x = nm_calloc(2 * max_syn + 1, sizeof *x);
  nmsim_status rc = nmc_agree(w && u && x ? NMSIM_OK : NMSIM_ENOMEM_ERR(err), err);
  if (rc != NMSIM_OK) {
    nm_free(w);
    nm_free(u);
    nm_free(x);
    return rc;
  }
  for (uint32_t i = 0; i < s->n_cores; i++) {
    const sys_core *c = &s->cores[i];
    bool mine = p->unit_rank[i] == me;
    uint64_t *cw = w + (size_t)i * CW;
    pack_energy(&c->energy, cw, mine);
    for (int k = 0; k < 3 && mine; k++) cw[EW + k] = c->busy[k];
    if (mine) cw[EW + 3] = c->crit_steps, cw[EW + 4] = c->crit_comm_steps;
  }
  uint64_t *tw = w + (size_t)s->n_cores * CW;
  for (uint32_t t = 0; t < s->n_tiles; t++) {
    bool mine = p->unit_rank[s->n_cores + t] == me;
    uint64_t *xt = tw + (size_t)t * per_tile;
    pack_energy(&s->routers[t].energy, xt, mine);
    for (int d = 0; d < NOC_MAX_DIRS && mine; d++) {
      xt[EW + 3 * d] = s->routers[t].link[d].packets;
      xt[EW + 3 * d + 1] = s->routers[t].link[d].busy_ps;
      xt[EW + 3 * d + 2] = s->routers[t].link[d].stall_ps;
    }
  }
  nmc_reduce_or_u64(w, n);
  if (p->rank == 0) {
    for (uint32_t i = 0; i < s->n_cores; i++) {
      sys_core *c = &s->cores[i];
      const uint64_t *cw = w + (size_t)i * CW;
      unpack_energy(&c->energy, cw);
      for (int k = 0; k < 3; k++) c->busy[k] = cw[EW + k];
      c->crit_steps = cw[EW + 3];
      c->crit_comm_steps = cw[EW + 4];
    }
    for (uint32_t t = 0; t < s->n_tiles; t++) {
      const uint64_t *xt = tw + (size_t)t * per_tile;
      unpack_energy(&s->routers[t].energy, xt);
      for (int d = 0; d < NOC_MAX_DIRS; d++) {
        s->routers[t].link[d].packets = xt[EW + 3 * d];
        s->routers[t].link[d].busy_ps = xt[EW + 3 * d + 1];
        s->routers[t].link[d].stall_ps = xt[EW + 3 * d + 2];
      }
    }
  }
  nm_free(w);
  /* the timeline rows: each written by its core's process */
  if (s->tl) nmc_reduce_or_u64(s->tl, (size_t)(s->tl_end - s->tl_first) * s->n_used * TL_FIELDS);
  /* the link tables per window: each slot written by its tile's process */
  if (s->win_packets) {
    size_t nw = (size_t)s->n_windows * s->n_tiles * NOC_MAX_DIRS;
    nmc_reduce_or_u64(s->win_packets, nw);
    nmc_reduce_or_u64(s->win_busy, nw);
    nmc_reduce_or_u64(s->win_stall, nw);
  }
  /* sums: packet latencies (whole ps, so their double sum is exact), counts */
  memcpy(u, s->lat_hist, SYS_LAT_BINS * sizeof *u);
  u[SYS_LAT_BINS] = s->lat_overflow;
  u[SYS_LAT_BINS + 1] = (uint64_t)s->lat_sum_ps;
  u[SYS_LAT_BINS + 2] = s->packets;
  u[SYS_LAT_BINS + 3] = s->hops;
  u[SYS_LAT_BINS + 4] = s->spikes;
  u[SYS_LAT_BINS + 5] = s->tick_overruns;
  u[SYS_LAT_BINS + 6] = s->late_packets;
  for (size_t q = 0; q < np; q++) u[SYS_LAT_BINS + 7 + q] = s->pop_bursts[q];
  uint64_t *up = u + SYS_LAT_BINS + 7 + np; /* per population: busy time, energy */
  for (size_t q = 0; q < np; q++) {
    up[q * (1 + PW)] = s->pop_busy[q];
    pack_energy_sum(&s->pop_energy[q], up + q * (1 + PW) + 1);
  }
  u[m - 1] = s->dvfs_switches;
  nmc_reduce_sum_u64(u, m);
  uint64_t mx[1] = {s->lat_max};
  nmc_allreduce(mx, &(nmc_layout){.n_max = 1});
  if (p->rank == 0) {
    memcpy(s->lat_hist, u, SYS_LAT_BINS * sizeof *u);
    s->lat_overflow = u[SYS_LAT_BINS];
    s->lat_sum_ps = (double)u[SYS_LAT_BINS + 1];
    s->packets = u[SYS_LAT_BINS + 2];
    s->hops = u[SYS_LAT_BINS + 3];
    s->spikes = u[SYS_LAT_BINS + 4];
    s->tick_overruns = u[SYS_LAT_BINS + 5];
    s->dvfs_switches = u[m - 1];
    s->late_packets = u[SYS_LAT_BINS + 6];
    for (size_t q = 0; q < np; q++) s->pop_bursts[q] = u[SYS_LAT_BINS + 7 + q];
    for (size_t q = 0; q < np; q++) {
      s->pop_busy[q] = up[q * (1 + PW)];
      unpack_energy_sum(&s->pop_energy[q], up + q * (1 + PW) + 1);
    }
    s->lat_max = mx[0];
  }
  nm_free(u);
  /* plastic weights, for the run file */
  for (uint32_t i = 0; i < s->n_cores; i++) {
    sys_core *c = &s->cores[i];
    if (!c->syn_proj || !c->n_syn) continue;
    memset(x, 0, 2 * c->n_syn * sizeof *x);
    if (p->unit_rank[i] == me)
      for (size_t k = 0; k < c->n_syn; k++) {
        memcpy(&x[k], &c->wf[k], 8);
        x[c->n_syn + k] = (uint32_t)c->syn[k].w;
      }
    nmc_reduce_or_u64(x, 2 * c->n_syn);
    if (p->rank == 0)
      for (size_t k = 0; k < c->n_syn; k++) {
        memcpy(&c->wf[k], &x[k], 8);
        c->syn[k].w = (int32_t)(uint32_t)x[c->n_syn + k];
      }
  }
  nm_free(x);
  return NMSIM_OK;
}

void part_print_stats(const sys *s, FILE *f) {
  const sys_part *p = s->part;
  uint64_t v[6] = {p->windows, p->steps, p->events_sent, p->events_received,
                   (uint64_t)(p->t_run * 1e9), (uint64_t)(p->t_sync * 1e9)};
  uint64_t all[6 * 256] = {0};
  if (p->size > 256) return;
  /* one row per rank, each set by its owner */
  memcpy(all + 6 * p->rank, v, sizeof v);
  nmc_reduce_or_u64(all, 6 * (size_t)p->size);
  if (p->rank != 0) return;
  char la[48];
  if (s->scn->functional) snprintf(la, sizeof la, "one step");
  else snprintf(la, sizeof la, "%.3f ns", (double)p->lookahead / NMSIM_PS_PER_NS);
  fprintf(f, "partition: %d ranks, %s, %s, lookahead %s, %llu windows, %llu steps\n", p->size,
          p->strategy, p->by_chip ? "whole chips" : "tile blocks", la, (unsigned long long)v[0],
          (unsigned long long)v[1]);
  for (int r = 0; r < p->size; r++) {
    const uint64_t *x = all + 6 * r;
    double run = (double)x[4] * 1e-9, sync = (double)x[5] * 1e-9;
    fprintf(f, "rank %d: run %.3f s, sync %.3f s (%.1f %%), %.2f us sync per window, "
               "%llu events sent, %llu received\n",
            r, run, sync, run > 0 ? 100 * sync / run : 0.0,
            x[0] ? 1e6 * sync / (double)x[0] : 0.0, (unsigned long long)x[2],
            (unsigned long long)x[3]);
  }
}
