/* mcast.h: SpiNNaker-style key/mask multicast routing on the chip's topology: keys for
 * source neurons, a table of (key, mask, route) entries per router built from
 * each source block's multicast tree, lookup with default routing. */
#ifndef NMSIM_NOC_MCAST_H
#define NMSIM_NOC_MCAST_H

#include "noc/noc_int.h"

/* One entry: a packet matches when (key & mask) == entry key. Its route is a
 * set of output links (bit d for port d of the topology, NOC_EAST..) and of the
 * router's local cores (bit i for core i of the tile). */
typedef struct mc_entry {
  uint32_t key, mask;
  uint32_t links;
  uint32_t cores;
} mc_entry;

/* A router's table; the first matching entry wins. */
typedef struct mc_table {
  mc_entry *e;
  size_t n, cap;
  bool exact;       /* every mask equal and keys strictly increasing, so at most
                       one entry matches: lookup by binary search */
} mc_table;

/* First entry of t that matches key, or NULL. O(log n) for an exact table
 * (the ones mc_build makes), O(n) otherwise. */
const mc_entry *mc_lookup(const mc_table *t, uint32_t key);
/* Append an entry (amortised growth; keeps t->exact up to date).
 * NMSIM_ENOMEM leaves t unchanged. */
nmsim_status mc_table_add(mc_table *t, uint32_t key, uint32_t mask, uint32_t links,
                          uint32_t cores);
void mc_table_free(mc_table *t);
/* The route of a packet with key entering a router of topology topo on link
 * in_dir (-1: from one of its cores): the first matching entry; with none,
 * default routing sends a packet that came in on a link out on the opposite
 * link (straight through) and nowhere else. Returns false when there is no
 * route (no entry and the packet came from a core). */
bool mc_route(const mc_table *t, const noc_topology *topo, uint32_t key, int in_dir,
              uint32_t *links, uint32_t *cores);

/* The multicast state of a system (s->mc). */
typedef struct noc_mc {
  mc_table *table;          /* per router (tile of the board) */
  uint32_t key_bits;        /* key = block number << key_bits | index in the block */
  uint64_t entries;         /* in all tables */
  uint32_t **key0;          /* per core, per block: base key, MC_NO_ROUTE when the
                               block sends nowhere */
  uint32_t **rx_key;        /* per core: routing key of each input axon (increasing) */
  uint32_t *block_pop;      /* per block number (key >> key_bits): its population */
  uint32_t n_block_pop;
  uint32_t *tile_core0;     /* per tile: its first core, UINT32_MAX if none */
  uint32_t *tile_ncores;    /* per tile: its cores */
  uint16_t *in_left;        /* per router, input link and buffer slot: copies of
                               the packet in that slot still to leave (finite
                               buffers only) */
} noc_mc;

#define MC_NO_ROUTE UINT32_MAX

/* Give every source block its keys, build the tables from the multicast
 * trees (the routing algorithm's paths from the source tile to every tile
 * holding a destination core, merged; an entry where the tree turns or branches, where
 * it delivers to cores, and at the source; none where default routing
 * suffices) and the receive keys of every core. Needs the out lists of
 * sys_build. NMSIM_ECAPACITY when a table exceeds the chip's router entries
 * (the message names the chip, the router and the table size); NMSIM_EINPUT
 * for a chip the keys cannot cover; NMSIM_ENOMEM. */
nmsim_status mc_build(sys *s, nmsim_err *err);
void mc_destroy(noc_mc *m, uint32_t n_cores, uint32_t n_tiles);
/* Hierarchical name of router `tile` ("chip0/tile(3,2)/router"). */
void mc_router_name(const sys *s, uint32_t tile, char *buf, size_t len);

/* Send one multicast packet (key, from core src at its tick `tick`) into its
 * router at time t. Payload: u32[0] key, u32[1] tick (mod 2^32), u64[1]
 * injection time, f64[2] graded value. */
nmsim_status mc_send(sys *s, uint32_t src_core, uint32_t key, uint64_t tick, nmsim_ps t,
                     double value);
/* Engine handlers: a packet injected by a core, and one arriving on a link. */
void mc_on_inject(void *ctx, sim_engine *e, const sim_event *ev);
void mc_on_hop(void *ctx, sim_engine *e, const sim_event *ev);

/* The multicast delivery path: one packet per spike, keyed by its block. */
extern const sys_path noc_multicast_path;

#endif
