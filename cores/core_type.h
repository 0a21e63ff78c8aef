/* core_type.h: a core type is a const descriptor found by name, as a neuron
 * model is: the chip file's `core_kind:` picks one, and the run driver
 * (sim/system/run.c, sim/system/prun.c) wires its handlers and calls its hooks
 * from the table, never by checking which type it is. Adding a core type is
 * one file in cores/ and one line in cores/registry.c. */
#ifndef NMSIM_CORES_CORE_TYPE_H
#define NMSIM_CORES_CORE_TYPE_H

#include <stdbool.h>
#include <stddef.h>

#include "sim/engine/engine.h"

struct sys;

/* Capabilities. Exactly one SYNC and one ROUTE flag is set. */
enum {
  /* Steps end at a barrier: every core's updates done and every packet of
   * the step delivered; the next step starts at its release (Loihi). The
   * type gives start_step. */
  CORE_SYNC_BARRIER = 1u << 0,
  /* Every core runs on its own periodic timer; a step closes when the first
   * core's next tick fires (SpiNNaker). The type gives tick. */
  CORE_SYNC_TICK = 1u << 1,
  /* A spike is one packet per destination core, addressed to (core, axon)
   * and routed by the topology (noc/mesh.c). */
  CORE_ROUTE_UNICAST = 1u << 2,
  /* A spike is one multicast packet keyed by its source neuron, routed by
   * key/mask tables built from the out lists (noc/mcast.c); cores find
   * their input axon by key (sys_core.rx_key). */
  CORE_ROUTE_KEYED = 1u << 3,
  /* Chip file sections the type reads (cores/chip.c); a section the type
   * does not use is an error at its key. */
  CORE_CHIP_BARRIER = 1u << 4, /* barrier: the barrier-time table (required) */
  CORE_CHIP_PE = 1u << 5,      /* pe: a clocked processor's cycles (required) */
  CORE_CHIP_ROUTER = 1u << 6,  /* router: the routing table's capacity */
  CORE_CHIP_TICK = 1u << 7,    /* tick: the period of a global tick (required) */
  /* The type has no synaptic learning: a plastic projection is refused when
   * the system is built (sim/system/build.c). */
  CORE_NO_LEARNING = 1u << 8,
  /* Synapses add plain integer weights: a projection's weight_exp is
   * refused when the system is built. */
  CORE_NO_WEIGHT_EXP = 1u << 9,
};

/* One event kind the type handles, and its handler (ctx: the system). */
typedef struct core_handler {
  sim_event_kind kind;
  sim_handler fn;
} core_handler;

#define CORE_MAX_HANDLERS 6

/* CORE_SYNC_TICK: how a step of free-running cores closes (the one-process
 * run closes it from the type's own handlers; a run split over processes
 * asks these). */
typedef struct core_tick_ops {
  /* The time at which step k closes: the first core's tick k + 1. */
  nmsim_ps (*close_time)(const struct sys *s, uint64_t k);
  /* Step s->step's timing from the cores this process holds: *lat the
   * longest tick, *end the latest start of a next tick, *work the longest
   * time a core computed in it (the rest of the tick it idles). */
  void (*step_timing)(const struct sys *s, nmsim_ps *lat, nmsim_ps *end, nmsim_ps *work);
  /* Close step s->step (its learning phase has run) with its timing over
   * every core. false with err set on failure. */
  bool (*end_step)(struct sys *s, nmsim_ps lat, nmsim_ps end, nmsim_ps work, nmsim_err *err);
  /* Count the last tick's overruns of the cores this process holds. */
  void (*last_overruns)(struct sys *s);
  /* Step s->step's critical path from the cores this process holds: *key
   * the largest sys_crit_key of a core's work in its tick (0: none), and
   * *compute the longest own updates of a core; NULL: not tracked. */
  void (*critical)(const struct sys *s, uint64_t *key, nmsim_ps *compute);
} core_tick_ops;

typedef struct core_type {
  const char *name;       /* the chip file's core_kind */
  const char *summary;    /* one line for `nmsim chips` */
  unsigned flags;         /* CORE_* */
  /* Per-system state of the type (s->core_state), made after the synapse
   * rows and routes exist; NULL: none. NMSIM_ENOMEM. */
  nmsim_status (*build)(struct sys *s, nmsim_err *err);
  /* Free what build made (s->core_state may be NULL). */
  void (*destroy)(struct sys *s);
  /* Schedule the first events of a timed run (the engine exists and the
   * handlers are wired); returns the status of the failed schedule. */
  nmsim_status (*start)(struct sys *s, nmsim_err *err);
  /* The engine has no more events or was stopped: close what is left and
   * set s->finished (NMSIM_EINTERNAL when the run stopped short). */
  nmsim_status (*finish)(struct sys *s, nmsim_err *err);
  /* CORE_SYNC_BARRIER: release step s->step on every core held here at t. */
  nmsim_status (*start_step)(struct sys *s, nmsim_ps t);
  const core_tick_ops *tick; /* CORE_SYNC_TICK */
  core_handler handlers[CORE_MAX_HANDLERS]; /* ended by one with fn NULL */
} core_type;

/* The types (one file each in cores/). */
extern const core_type core_type_loihi;      /* cores/loihi.c */
extern const core_type core_type_spinnaker2; /* cores/spinnaker2.c */
extern const core_type core_type_truenorth;  /* cores/truenorth.c */

/* The registered core types, NULL-terminated, in registry order. */
extern const core_type *const core_types[];
/* The core type named name, or NULL. */
const core_type *core_type_find(const char *name);

#endif
