/* topology.c: the registry of topologies and routing algorithms (looked up by
 * name, routing by the pair (algorithm, topology)) and the board's grid of
 * tiles they are laid on. */
#include <stdio.h>
#include <string.h>

#include "noc/topology.h"

const noc_topology *const noc_topologies[] = {
    &noc_topology_mesh,
    &noc_topology_torus,
    NULL,
};

/* Routing algorithms by (name, topology). `xy` is the name chip files gave
 * dimension-order routing on the mesh before there were other topologies. */
static const struct {
  const char *name;
  const noc_routing *routing;
} noc_routings[] = {
    {"dor", &noc_routing_dor_mesh},
    {"xy", &noc_routing_dor_mesh},
    {"dor", &noc_routing_dor_torus},
};

const noc_topology *noc_topology_find(const char *name) {
  for (size_t i = 0; name && noc_topologies[i]; i++)
    if (strcmp(noc_topologies[i]->name, name) == 0) return noc_topologies[i];
  return NULL;
}

const noc_routing *noc_routing_find(const char *name, const noc_topology *t) {
  for (size_t i = 0; name && i < NM_ARRAY_LEN(noc_routings); i++)
    if (noc_routings[i].routing->topology == t && strcmp(noc_routings[i].name, name) == 0)
      return noc_routings[i].routing;
  return NULL;
}

void noc_topology_names(char *buf, size_t len) {
  size_t n = 0;
  if (len) buf[0] = 0;
  for (size_t i = 0; noc_topologies[i] && n < len; i++)
    n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "", noc_topologies[i]->name);
}

void noc_routing_names(const noc_topology *t, char *buf, size_t len) {
  size_t n = 0;
  if (len) buf[0] = 0;
  for (size_t i = 0; i < NM_ARRAY_LEN(noc_routings) && n < len; i++)
    if (noc_routings[i].routing->topology == t)
      n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? ", " : "", noc_routings[i].name);
}

uint32_t noc_route_hops(const noc_routing *r, const noc_grid *g, uint32_t a, uint32_t b) {
  const noc_topology *t = r->topology;
  uint32_t n = g->w * g->h, hops = 0;
  while (a != b) {
    if (hops == n) return NOC_NONE; /* a minimal path has fewer hops than tiles */
    int d = r->route(g, a, b);
    if (d < 0 || d >= t->n_dirs) return NOC_NONE;
    a = t->neighbour(g, a, d);
    if (a == NOC_NONE) return NOC_NONE;
    hops++;
  }
  return hops;
}

nmsim_status noc_grid_init(noc_grid *g, uint32_t chip_w, uint32_t chip_h, uint32_t chips_x,
                           uint32_t chips_y) {
  *g = (noc_grid){.w = chip_w * chips_x, .h = chip_h * chips_y, .chip_w = chip_w,
                  .chip_h = chip_h, .chips_x = chips_x, .chips_y = chips_y};
  size_t n = (size_t)g->w * g->h;
  if (!(g->pos = nm_malloc((n ? n : 1) * sizeof *g->pos))) return NMSIM_ENOMEM;
  for (uint32_t y = 0, t = 0; y < g->h; y++)
    for (uint32_t x = 0; x < g->w; x++, t++) g->pos[t] = (noc_pos){x, y};
  return NMSIM_OK;
}

void noc_grid_free(noc_grid *g) {
  if (!g) return;
  nm_free(g->pos);
  g->pos = NULL;
}
