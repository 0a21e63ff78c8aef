/* learning.h: the learning phase at the end of a step (cores/learning.c). */
#ifndef NMSIM_CORES_LEARNING_H
#define NMSIM_CORES_LEARNING_H

#include "cores/machine.h"

/* The learning phase of the step that just ended: every plastic synapse of a
 * neuron that spiked is updated (pre spikes first, then post spikes) and
 * charged the chip's synaptic-update energy. Returns the longest time a core
 * spends on it (its updates x the update time). */
nmsim_ps sys_learn(sys *s);

#endif
