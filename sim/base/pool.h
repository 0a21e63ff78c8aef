/* pool.h: a team of threads that run one function over the parts of a job
 * (sim/base/pool.c): the caller runs part 0, the pool's workers the others,
 * and nm_pool_run returns when every part is done. Workers wait for the next
 * job by spinning, then yielding, then sleeping briefly, so a job a step
 * (a network-mode population's neuron update) starts within microseconds
 * while a pool left idle costs little. */
#ifndef NMSIM_SIM_BASE_POOL_H
#define NMSIM_SIM_BASE_POOL_H

#include "nmsim/nmsim.h"

typedef struct nm_pool nm_pool;

/* Part `part` of `parts` of a job. */
typedef void (*nm_pool_fn)(void *ctx, unsigned part, unsigned parts);

/* A pool of `threads` parts (threads - 1 workers; threads >= 2).
 * NMSIM_ENOMEM, or NMSIM_EINTERNAL when a thread cannot be started. */
nmsim_status nm_pool_create(unsigned threads, nm_pool **out);
unsigned nm_pool_parts(const nm_pool *p);
/* fn(ctx, k, parts) for every k, k = 0 on the calling thread. Not
 * re-entrant: one job at a time, from one thread. */
void nm_pool_run(nm_pool *p, nm_pool_fn fn, void *ctx);
void nm_pool_destroy(nm_pool *p);

#endif
