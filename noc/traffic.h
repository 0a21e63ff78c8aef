/* traffic.h: synthetic traffic on a chip's NoC alone (no neurons), for
 * validating the network against interconnection-network theory and for the
 * latency-versus-injection-rate curve. */
#ifndef NMSIM_NOC_TRAFFIC_H
#define NMSIM_NOC_TRAFFIC_H

#include "cores/chip_int.h"

typedef struct noc_traffic_opts {
  double rate;            /* offered load: packets per tile per link serialization time */
  uint64_t warmup;        /* cycles (serialization times) before measuring */
  uint64_t measure;       /* cycles during which created packets are measured */
  uint64_t seed;
  bool hop_by_hop;        /* ports wait for an event to send each packet (no sending
                           * ahead, noc/mesh.c): the reference the tests compare with */
  uint32_t chips_x, chips_y; /* a board of chips_x x chips_y chips (0: 1), the chip's
                              * topology over the board's grid, linked by chip links */
} noc_traffic_opts;

typedef struct noc_traffic_result {
  double mean_latency_ps; /* creation to delivery, packets created in the window */
  double mean_hops;       /* of the routing algorithm's paths, packets created in the window */
  double accepted;        /* delivered packets per tile per cycle, over the window */
  uint64_t measured;      /* packets created in the window and delivered */
  uint64_t undelivered;   /* created in the window, still in the network at the end */
  uint64_t created;       /* every packet created, in or out of the window */
  uint64_t delivered;     /* every packet delivered, in or out of the window */
  uint64_t digest;        /* of every delivery in order: time, source core, its sequence */
  uint64_t events;        /* events the engine handled */
} noc_traffic_result;

/* Uniform random traffic: every tile's first core creates packets as a
 * Bernoulli process (one draw per cycle, probability rate) until the window
 * ends, to a destination tile drawn uniformly among the other tiles of the
 * board. The run continues after the window until every packet is delivered,
 * or 20x the window passes, or nothing is left to happen (a deadlock: then
 * delivered < created). NMSIM_EINVAL for a rate outside (0, 1], no window,
 * fewer than 2 tiles; NMSIM_EINPUT for a board of a chip without chip links. */
nmsim_status noc_traffic_run(const nmsim_chip *chip, const noc_traffic_opts *o,
                             noc_traffic_result *r, nmsim_err *err);

#endif
