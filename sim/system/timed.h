/* timed.h: a timed run in one process (sim/system/timed.c). */
#ifndef NMSIM_SIM_SYSTEM_TIMED_H
#define NMSIM_SIM_SYSTEM_TIMED_H

#include "cores/machine.h"

/* The one place handlers are wired: the core type's and the path's, on
 * s->eng; then the NoC's ports get their credits. */
void sys_wire(sys *s);
/* The core type's first events; on failure the engine's message is in err. */
nmsim_status sys_start(sys *s, nmsim_err *err);
/* Run every step on a new engine (s->eng) through the chip's NoC. */
nmsim_status sys_run_timed(sys *s, nmsim_err *err);

#endif
