/* timed.c: a timed run in one process: the core type's and the delivery
 * path's handlers wired on the engine (the one place this happens), the
 * type's first events, the engine run to its end, the type's finish. The
 * runs split over processes (prun.c) wire and start the same way. */
#include "noc/noc_int.h"
#include "sim/load/scenario_int.h"
#include "sim/system/timed.h"

void sys_wire(sys *s) {
  const core_handler *h;
  for (h = s->type->handlers; h < s->type->handlers + CORE_MAX_HANDLERS && h->fn; h++)
    sim_engine_set_handler(s->eng, h->kind, h->fn, s);
  for (h = s->path->handlers; h < s->path->handlers + CORE_MAX_HANDLERS && h->fn; h++)
    sim_engine_set_handler(s->eng, h->kind, h->fn, s);
  noc_init_ports(s);
}

nmsim_status sys_start(sys *s, nmsim_err *err) {
  nmsim_status rc = s->type->start(s, err);
  if (rc != NMSIM_OK) sim_engine_run(s->eng, err); /* for the engine's recorded message */
  return rc;
}

nmsim_status sys_run_timed(sys *s, nmsim_err *err) {
  nmsim_status rc;
  sim_pq_opts qo = {.max_events = s->scn->max_events};
  if ((rc = sim_engine_create(s->scn->queue, &qo, &s->eng, err)) != NMSIM_OK) return rc;
  sys_wire(s);
  if ((rc = sys_start(s, err)) != NMSIM_OK) return rc;
  if ((rc = sim_engine_run(s->eng, err)) != NMSIM_OK) return rc;
  return s->type->finish(s, err);
}
