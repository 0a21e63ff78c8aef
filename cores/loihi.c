/* neurocore.c: the Loihi-like time-stepped neurocore and its barrier.
 *
 * A step of the whole system, in hardware time:
 *  1. STEP_START (every core, at the barrier release): the core reads the input
 *     its synapses accumulated for this step, then updates its neurons one by
 *     one (active: had input or spiked; idle otherwise, each with its own time
 *     and energy). A neuron that spikes sends one packet per destination core
 *     at the moment its update finishes.
 *  2. Packets cross the NoC (noc/mesh.c) and are DELIVERED to the destination
 *     core, whose synapse unit processes the axon's synapses one after another
 *     (it overlaps with that core's own neuron updates, as the pipeline of a
 *     Loihi core does), adding each weight to the input of step t + delay.
 *  3. CORE_DONE marks the end of a core's neuron updates. When every core is
 *     done and every packet of the step is delivered and processed, the
 *     barrier runs; BARRIER_DONE ends the step and releases the next.
 * So the step's length follows from the work done, as on the chip. */
#include <string.h>

#include "cores/core_type.h"
#include "cores/learning.h"
#include "cores/neurocore.h"

static void check_barrier(sys *s, sim_engine *e);
static nmsim_status loihi_start_step(sys *s, nmsim_ps t);

static void loihi_on_step_start(void *ctx, sim_engine *e, const sim_event *ev) {
  sys *s = ctx;
  sys_core *c = &s->cores[ev->dst];
  nmsim_ps t = core_update(s, c, ev->time);
  sim_event done = {.time = t, .kind = SIM_EV_CORE_DONE, .dst = c->id, .src = c->id,
                    .seq = (uint32_t)s->step};
  sim_engine_schedule(e, &done);
}

static void loihi_on_deliver(void *ctx, sim_engine *e, const sim_event *ev) {
  sys *s = ctx;
  sys_core *c = &s->cores[ev->dst];
  const chip_cost *op = &s->chip->syn_op;
  uint32_t axon = ev->data.u32[1];
  nmsim_ps lat = ev->time - ev->data.u64[1];
  sys_lat_record(s, lat);
  uint32_t n = c->row[axon + 1] - c->row[axon];
  nmsim_ps start = ev->time > c->syn_busy ? ev->time : c->syn_busy;
  c->syn_busy = start + (nmsim_ps)n * op->time_ps;
  core_apply_row(s, c, axon, ev->data.f64[2]);
  if (c->syn_busy > s->work_end) s->work_end = c->syn_busy;
  if (c->syn_busy > c->work_end) c->work_end = c->syn_busy;
  c->rx_packets++;
  s->in_flight--;
  check_barrier(s, e);
}

static void loihi_on_done(void *ctx, sim_engine *e, const sim_event *ev) {
  sys *s = ctx;
  s->cores_done++;
  if (ev->time > s->work_end) s->work_end = ev->time;
  check_barrier(s, e);
}

static void check_barrier(sys *s, sim_engine *e) {
  /* split over processes, the counts are partial: sim/system/prun.c ends the step */
  if (s->part || s->cores_done != s->n_used || s->in_flight != 0) return;
  s->cores_done++; /* the barrier of this step is on its way */
  nmsim_ps now = sim_engine_now(e);
  /* every spike of the step is known: the learning phase, then the barrier */
  nmsim_ps learn = sys_learn(s);
  nmsim_ps t = (s->work_end > now ? s->work_end : now) + learn + s->barrier_ps;
  core_crit_barrier(s, &s->crit_key, &s->crit_compute);
  s->crit_learn = learn;
  double pj = s->chip->barrier_energy_pj_per_tile;
  sys_charge(&s->step_energy, NM_E_BARRIER, s->tiles_used, pj);
  sim_event ev = {.time = t, .kind = SIM_EV_BARRIER_DONE, .dst = s->unit_barrier,
                  .src = s->unit_barrier, .seq = (uint32_t)s->step};
  sim_engine_schedule(e, &ev);
}

static void loihi_on_barrier_done(void *ctx, sim_engine *e, const sim_event *ev) {
  sys *s = ctx;
  nmsim_err err = {0};
  if (!core_close_step(s, ev->time, &err)) {
    sim_engine_fail(e, &err);
    return;
  }
  if (s->step >= s->steps) {
    s->finished = true;
    sim_engine_stop(e);
    return;
  }
  loihi_start_step(s, core_next_start(s, ev->time));
}

static nmsim_status loihi_start_step(sys *s, nmsim_ps t) {
  s->step_start = t;
  s->cores_done = 0;
  s->work_end = t;
  for (uint32_t i = 0; i < s->n_used; i++) {
    if (!sys_core_here(s, s->used[i])) continue;
    s->cores[s->used[i]].upd_end = s->cores[s->used[i]].work_end = t;
    sim_event ev = {.time = t, .kind = SIM_EV_STEP_START, .dst = s->used[i],
                    .src = s->unit_barrier, .seq = (uint32_t)s->step};
    nmsim_status rc = sim_engine_schedule(s->eng, &ev);
    if (rc != NMSIM_OK) return rc;
  }
  return NMSIM_OK;
}

static nmsim_status loihi_start(sys *s, nmsim_err *err) {
  (void)err;
  return loihi_start_step(s, 0);
}

static nmsim_status loihi_finish(sys *s, nmsim_err *err) {
  if (!s->finished)
    return NMSIM_ERR(err, NMSIM_EINTERNAL, "the event queue ran dry at step %llu of %llu",
                     (unsigned long long)s->step, (unsigned long long)s->steps);
  return NMSIM_OK;
}

const core_type core_type_loihi = {
    .name = "loihi",
    .summary = "time-stepped neurocore, one packet per destination core, barrier per step",
    .flags = CORE_SYNC_BARRIER | CORE_ROUTE_UNICAST | CORE_CHIP_BARRIER,
    .start = loihi_start,
    .finish = loihi_finish,
    .start_step = loihi_start_step,
    .handlers = {{SIM_EV_STEP_START, loihi_on_step_start},
                 {SIM_EV_PKT_DELIVER, loihi_on_deliver},
                 {SIM_EV_CORE_DONE, loihi_on_done},
                 {SIM_EV_BARRIER_DONE, loihi_on_barrier_done}},
};
