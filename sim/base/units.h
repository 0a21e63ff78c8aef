/* units.h: physical quantities in scenario and chip files ("20 ms", "3.5 ns",
 * "23.6 pJ", "20 Hz"). A value is converted to the canonical unit that a
 * parameter table names; a bare number is taken in that unit. */
#ifndef NMSIM_SIM_UNITS_H
#define NMSIM_SIM_UNITS_H

#include "sim/base/sim_int.h"

/* Parse text as "<number> [<unit>]" and convert it to unit `want` ("" or NULL
 * for dimensionless). Returns NMSIM_OK and *out, or NMSIM_EINPUT with a message
 * (without location) in msg: not a number, unknown unit (the message lists the
 * known units of want's dimension), or a unit of the wrong dimension
 * ("expected a time (ms, us, ns, ...), got 'mV'"). */
nmsim_status units_parse(const char *text, const char *want, double *out, char *msg,
                         size_t msglen);
/* Whether unit names a unit known to nmsim ("" is dimensionless). */
bool units_known(const char *unit);

#endif
