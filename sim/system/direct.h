/* direct.h: functional mode's delivery path and the untimed run loop
 * (sim/system/direct.c). */
#ifndef NMSIM_SIM_SYSTEM_DIRECT_H
#define NMSIM_SIM_SYSTEM_DIRECT_H

#include "cores/machine.h"

/* Run every step with an untimed path (functional and network modes): no
 * packets and no hardware time; the cores' events are still counted and
 * costed (sim/system/direct.c). */
nmsim_status sys_run_untimed(sys *s, nmsim_err *err);
/* Spikes straight to their targets' rows, in this process or s->defer's. */
extern const sys_path sys_direct_path;

#endif
