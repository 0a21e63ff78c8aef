/* engine.h: the discrete-event run loop. Units (cores, routers, the barrier)
 * receive events through a handler table indexed by event kind; the loop pops
 * in the total order of pq.h, dispatches, and stops on request, on error, or
 * when the queue is empty. */
#ifndef NMSIM_SIM_ENGINE_H
#define NMSIM_SIM_ENGINE_H

#include "sim/engine/pq.h"

/* Event kinds. ORDER is the priority at equal hardware time (smaller first):
 * packets are delivered and forwarded before a core's completion is seen,
 * and a step ends before the next one starts. A credit that comes back from
 * another process (a message, noc/mesh.c) is counted first, before anything
 * else at its time looks at the port it frees: a credit within one process
 * is recorded ahead and counts from the start of its arrival time, and on a
 * torus which packet leaves first can depend on it (bubble flow control).
 * A SpiNNaker-like PE's timer
 * tick comes last, so a packet that arrives at the very instant of a tick is
 * taken before the tick's neuron updates. */
#define SIM_EVENT_KIND_MAP(X) \
  X(CREDIT)                   \
  X(PKT_DELIVER)              \
  X(PKT_HOP)                  \
  X(PKT_INJECT)               \
  X(PORT_TRY)                 \
  X(TRAFFIC_GEN)              \
  X(CORE_DONE)                \
  X(BARRIER_DONE)             \
  X(STEP_START)               \
  X(PE_TICK)

typedef enum sim_event_kind {
#define X(k) SIM_EV_##k,
  SIM_EVENT_KIND_MAP(X)
#undef X
  SIM_EV_COUNT
} sim_event_kind;

typedef struct sim_engine sim_engine;
/* A handler gets the context registered with its kind and the event (a copy,
 * valid during the call). It reports failure with sim_engine_fail. */
typedef void (*sim_handler)(void *ctx, sim_engine *e, const sim_event *ev);

typedef struct sim_engine_stats {
  uint64_t dispatched;       /* events handled */
  uint64_t past_end;         /* events dropped because they lay beyond end_time */
  size_t max_pending;        /* high-water mark of pending events */
} sim_engine_stats;

/* Create an engine over a queue of implementation `queue` (see pq.h).
 * NMSIM_ENOMEM or NMSIM_EINPUT (unknown queue). */
nmsim_status sim_engine_create(const char *queue, const sim_pq_opts *opts, sim_engine **out,
                               nmsim_err *err);
void sim_engine_destroy(sim_engine *e);
void sim_engine_set_handler(sim_engine *e, sim_event_kind kind, sim_handler h, void *ctx);
/* Events later than end are counted and dropped (default: no end). */
void sim_engine_set_end(sim_engine *e, nmsim_ps end);
/* Schedule ev. On failure (event in the past, pool exhausted, no memory) the
 * engine records the error, stops, and the function returns the status. */
nmsim_status sim_engine_schedule(sim_engine *e, const sim_event *ev);
/* As sim_engine_schedule, but when ev would be the next event handled anyway
 * (its time is the current time, it precedes every queued event, and the
 * run loop would take it now) it is handled at once, inside the caller's
 * handler, and counted as dispatched: the same run, with a push and a pop
 * spared. Only for the handler's last event: one it made after ev would not
 * be queued yet when ev runs, though it might precede what ev makes. A
 * packet's delivery at the router it reaches (PKT_DELIVER, the least kind)
 * usually qualifies. */
nmsim_status sim_engine_schedule_now(sim_engine *e, const sim_event *ev);
/* Record a failure from a handler (err's message is copied) and stop. */
void sim_engine_fail(sim_engine *e, const nmsim_err *err);
/* sim_engine_fail with the out-of-memory error. */
void sim_engine_fail_oom(sim_engine *e);
/* Ask the loop to return after the current event. */
void sim_engine_stop(sim_engine *e);
/* Run until stopped, failed, or out of events. Returns the recorded status;
 * on error *err gets the message. */
nmsim_status sim_engine_run(sim_engine *e, nmsim_err *err);
nmsim_ps sim_engine_now(const sim_engine *e);

/* ---- for a run split over processes (sim/mpi/partition.c) -------------------- */
/* Where an event goes: 0 into this engine's queue; 1 it was taken by the
 * remote hook (its destination lives on another process); -1 the hook ran out
 * of memory (the schedule fails with NMSIM_ENOMEM). */
typedef int (*sim_remote_fn)(void *ctx, const sim_event *ev);
/* Every event scheduled from now on is first offered to f (NULL: none). */
void sim_engine_set_remote(sim_engine *e, sim_remote_fn f, void *ctx);
/* Run the events whose time is below limit (a window of a conservative
 * parallel run); returns as sim_engine_run does. */
nmsim_status sim_engine_run_until(sim_engine *e, nmsim_ps limit, nmsim_err *err);
/* Then the events at exactly time `at` whose kind is below `kind` (the part
 * of a time that precedes a kind in the total order); returns as
 * sim_engine_run does. */
nmsim_status sim_engine_run_before(sim_engine *e, nmsim_ps at, uint8_t kind, nmsim_err *err);
/* Time of the next pending event, UINT64_MAX if none. */
nmsim_ps sim_engine_next_time(sim_engine *e);
const sim_engine_stats *sim_engine_get_stats(const sim_engine *e);

#endif
