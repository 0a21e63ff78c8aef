/* chip_file.c: chip architecture files (and the bundled presets, embedded at
 * build time) read into struct nmsim_chip (cores/chip_int.h) with strict,
 * located errors. A section only some core types use is read or refused by
 * the type's CORE_CHIP_* flags (cores/core_type.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cores/chip_int.h"
#include "cores/core_type.h"
#include "noc/topology.h"
#include "sim/base/file.h"
#include "sim/load/pacing.h"
#include "sim/load/yaml.h"

/* Upper bounds of what a chip file may give: far beyond any real chip (an
 * event's energy is pJ to nJ; a board of chips draws mW to W), low enough
 * that every sum and report of a run stays finite. */
#define CHIP_MAX_ENERGY_PJ 1e9  /* 1 mJ per event */
#define CHIP_MAX_POWER_MW 1e7   /* 10 kW per chip */

/* Upper bound of any time in a chip file: 1000 s, far beyond any event. */
#define CHIP_MAX_TIME_PS 1e15

typedef struct chip_ctx {
  yml_doc *d;
  nmsim_chip *c;
  nmsim_err *err;
} chip_ctx;

/* ---- reading helpers ----------------------------------------------------- */

static void chip_path(char *buf, size_t len, const char *field, const char *key) {
  snprintf(buf, len, "%s%s%s", field, field[0] ? "." : "", key);
}

/* Value of required key in mapping m (at field), or NULL with an error. */
static struct fy_node *chip_need(chip_ctx *x, struct fy_node *m, const char *field,
                                 const char *key, const char *what) {
  struct fy_node *v = yml_get(m, key);
  char f[128];
  if (!v) {
    chip_path(f, sizeof f, field, key);
    yml_error(x->d, m, f, x->err, "required field is missing (expected %s)", what);
  }
  return v;
}

/* A required unsigned 32-bit integer >= 1 at m.key. */
static nmsim_status chip_u32(chip_ctx *x, struct fy_node *m, const char *field, const char *key,
                             uint32_t *out) {
  char f[128];
  uint64_t v;
  chip_path(f, sizeof f, field, key);
  struct fy_node *n = chip_need(x, m, field, key, "an integer >= 1");
  if (!n) return NMSIM_EINPUT;
  nmsim_status rc = yml_u64(x->d, n, f, 1, UINT32_MAX, &v, x->err);
  if (rc == NMSIM_OK) *out = (uint32_t)v;
  return rc;
}

/* A required non-negative quantity in unit at m.key. */
static nmsim_status chip_qty(chip_ctx *x, struct fy_node *m, const char *field, const char *key,
                             const char *unit, double max, double *out) {
  char f[128], what[64];
  chip_path(f, sizeof f, field, key);
  snprintf(what, sizeof what, "a quantity in %s, >= 0", unit);
  struct fy_node *n = chip_need(x, m, field, key, what);
  if (!n) return NMSIM_EINPUT;
  return yml_quantity(x->d, n, f, unit, 0.0, max, out, x->err);
}

/* A required time at m.key, rounded to the nearest ps. */
static nmsim_status chip_time(chip_ctx *x, struct fy_node *m, const char *field, const char *key,
                              nmsim_ps *out) {
  double v;
  nmsim_status rc = chip_qty(x, m, field, key, "ps", CHIP_MAX_TIME_PS, &v);
  if (rc == NMSIM_OK) *out = (nmsim_ps)floor(v + 0.5);
  return rc;
}

/* A required whole number of bytes >= 1 at m.key. */
static nmsim_status chip_bytes(chip_ctx *x, struct fy_node *m, const char *field,
                               const char *key, uint64_t max, uint64_t *out) {
  char f[128];
  double v;
  chip_path(f, sizeof f, field, key);
  struct fy_node *n = chip_need(x, m, field, key, "a size in bytes, >= 1");
  if (!n) return NMSIM_EINPUT;
  nmsim_status rc = yml_quantity(x->d, n, f, "B", 1.0, (double)max, &v, x->err);
  if (rc != NMSIM_OK) return rc;
  if (v != floor(v))
    return yml_error(x->d, n, f, x->err, "expected a whole number of bytes, got %g B", v);
  *out = (uint64_t)v;
  return NMSIM_OK;
}

/* A required {energy, time} mapping at m.key. */
static nmsim_status chip_cost_read(chip_ctx *x, struct fy_node *m, const char *field,
                                   const char *key, chip_cost *out) {
  static const char *const keys[] = {"energy", "time", NULL};
  char f[128];
  chip_path(f, sizeof f, field, key);
  struct fy_node *n = chip_need(x, m, field, key, "a mapping {energy, time}");
  nmsim_status rc;
  if (!n) return NMSIM_EINPUT;
  if ((rc = yml_check_keys(x->d, n, f, keys, x->err))) return rc;
  if ((rc = chip_qty(x, n, f, "energy", "pJ", CHIP_MAX_ENERGY_PJ, &out->energy_pj))) return rc;
  return chip_time(x, n, f, "time", &out->time_ps);
}

/* A required string at m.key that must be one of names[0..n). */
static nmsim_status chip_choice(chip_ctx *x, struct fy_node *m, const char *field,
                                const char *key, const char *const *names, size_t n,
                                size_t *out) {
  char f[128], list[128] = "";
  size_t len = 0;
  for (size_t i = 0; i < n; i++)
    len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", i ? ", " : "", names[i]);
  chip_path(f, sizeof f, field, key);
  struct fy_node *v = chip_need(x, m, field, key, list);
  const char *s;
  nmsim_status rc;
  if (!v) return NMSIM_EINPUT;
  if ((rc = yml_str(x->d, v, f, &s, x->err))) return rc;
  for (size_t i = 0; i < n; i++)
    if (strcmp(s, names[i]) == 0) return *out = i, NMSIM_OK;
  return yml_error(x->d, v, f, x->err, "expected one of: %s, got '%s'", list, s);
}

/* ---- sections ------------------------------------------------------------- */

static nmsim_status chip_read_mesh(chip_ctx *x, struct fy_node *root) {
  static const char *const keys[] = {"width", "height", "cores_per_tile", "cores", NULL};
  nmsim_chip *c = x->c;
  struct fy_node *m = chip_need(x, root, "", "mesh", "a mapping {width, height, cores_per_tile}");
  nmsim_status rc;
  if (!m) return NMSIM_EINPUT;
  if ((rc = yml_check_keys(x->d, m, "mesh", keys, x->err))) return rc;
  if ((rc = chip_u32(x, m, "mesh", "width", &c->mesh_width))) return rc;
  if ((rc = chip_u32(x, m, "mesh", "height", &c->mesh_height))) return rc;
  if ((rc = chip_u32(x, m, "mesh", "cores_per_tile", &c->cores_per_tile))) return rc;
  uint64_t all = (uint64_t)c->mesh_width * c->mesh_height * c->cores_per_tile;
  if (all > UINT32_MAX)
    return yml_error(x->d, m, "mesh", x->err,
                     "expected at most %u cores in all, got %u x %u tiles of %u cores",
                     (unsigned)UINT32_MAX, c->mesh_width, c->mesh_height, c->cores_per_tile);
  c->n_cores = (uint32_t)all;
  /* cores: fewer cores than tiles x cores_per_tile; the last tiles then hold
   * a router only (a grid with holes, approximated by holes at its end) */
  if (yml_get(m, "cores")) {
    if ((rc = chip_u32(x, m, "mesh", "cores", &c->n_cores))) return rc;
    if (c->n_cores > all)
      return yml_error(x->d, yml_get(m, "cores"), "mesh.cores", x->err,
                       "expected at most %llu (%u x %u tiles of %u cores), got %u",
                       (unsigned long long)all, c->mesh_width, c->mesh_height,
                       c->cores_per_tile, c->n_cores);
  }
  return NMSIM_OK;
}

static nmsim_status chip_read_limits(chip_ctx *x, struct fy_node *root) {
  static const char *const keys[] = {"neurons_per_core", "synapse_memory", "synapse_bytes",
                                     "fan_in", "fan_out", NULL};
  nmsim_chip *c = x->c;
  uint64_t sb;
  struct fy_node *m = chip_need(x, root, "", "limits", "a mapping of per-core limits");
  nmsim_status rc;
  if (!m) return NMSIM_EINPUT;
  if ((rc = yml_check_keys(x->d, m, "limits", keys, x->err))) return rc;
  if ((rc = chip_u32(x, m, "limits", "neurons_per_core", &c->max_neurons))) return rc;
  if ((rc = chip_bytes(x, m, "limits", "synapse_memory", UINT64_C(1) << 53,
                       &c->synapse_memory_bytes)))
    return rc;
  if ((rc = chip_bytes(x, m, "limits", "synapse_bytes", UINT32_MAX, &sb))) return rc;
  c->synapse_bytes = (uint32_t)sb;
  if (sb > c->synapse_memory_bytes)
    return yml_error(x->d, yml_get(m, "synapse_bytes"), "limits.synapse_bytes", x->err,
                     "expected at most synapse_memory (%llu B), got %llu B",
                     (unsigned long long)c->synapse_memory_bytes, (unsigned long long)sb);
  if ((rc = chip_u32(x, m, "limits", "fan_in", &c->max_fan_in))) return rc;
  return chip_u32(x, m, "limits", "fan_out", &c->max_fan_out);
}

static nmsim_status chip_read_costs(chip_ctx *x, struct fy_node *root) {
  static const char *const keys[] = {"synaptic_op", "synaptic_update", "neuron_update",
                                     "neuron_idle", "spike_out", "spike", NULL};
  nmsim_chip *c = x->c;
  struct fy_node *m = chip_need(x, root, "", "costs", "a mapping of per-event costs");
  nmsim_status rc;
  if (!m) return NMSIM_EINPUT;
  if ((rc = yml_check_keys(x->d, m, "costs", keys, x->err))) return rc;
  if ((rc = chip_cost_read(x, m, "costs", "synaptic_op", &c->syn_op))) return rc;
  if ((rc = chip_cost_read(x, m, "costs", "synaptic_update", &c->syn_update))) return rc;
  if ((rc = chip_cost_read(x, m, "costs", "neuron_update", &c->neuron_active))) return rc;
  if ((rc = chip_cost_read(x, m, "costs", "neuron_idle", &c->neuron_idle))) return rc;
  /* spike: optional, the firing itself (a soma's output stage), once per
   * spike whatever the packets it sends */
  if (yml_get(m, "spike") && (rc = chip_cost_read(x, m, "costs", "spike", &c->spike))) return rc;
  return chip_cost_read(x, m, "costs", "spike_out", &c->spike_out);
}

/* noc.topology (default mesh) and noc.routing (default dor), by name from the
 * registry of noc/topology.h: an unknown name is an error at its value that
 * lists the topologies, or the routing algorithms of the chosen topology. */
static nmsim_status chip_read_topology(chip_ctx *x, struct fy_node *m) {
  nmsim_chip *c = x->c;
  const char *name = "mesh";
  char list[128];
  struct fy_node *v;
  nmsim_status rc;
  if ((v = yml_get(m, "topology"))) {
    if ((rc = yml_str(x->d, v, "noc.topology", &name, x->err))) return rc;
  }
  if (!(c->topology = noc_topology_find(name))) {
    noc_topology_names(list, sizeof list);
    return yml_error(x->d, v, "noc.topology", x->err, "expected one of: %s, got '%s'", list, name);
  }
  name = "dor";
  if ((v = yml_get(m, "routing"))) {
    if ((rc = yml_str(x->d, v, "noc.routing", &name, x->err))) return rc;
  }
  if (!(c->routing = noc_routing_find(name, c->topology))) {
    noc_routing_names(c->topology, list, sizeof list);
    return yml_error(x->d, v, "noc.routing", x->err,
                     "expected one of: %s (the routing algorithms of topology %s), got '%s'",
                     list, c->topology->name, name);
  }
  return NMSIM_OK;
}

static nmsim_status chip_read_noc(chip_ctx *x, struct fy_node *root) {
  static const char *const keys[] = {"topology", "routing", "within_tile", "hop_ew", "hop_ns",
                                     "link_serialization", "buffer_depth", "credit_latency",
                                     NULL};
  nmsim_chip *c = x->c;
  struct fy_node *m = chip_need(x, root, "", "noc", "a mapping describing the network-on-chip");
  nmsim_status rc;
  if (!m) return NMSIM_EINPUT;
  if ((rc = yml_check_keys(x->d, m, "noc", keys, x->err))) return rc;
  if ((rc = chip_read_topology(x, m))) return rc;
  if ((rc = chip_cost_read(x, m, "noc", "within_tile", &c->within_tile))) return rc;
  if ((rc = chip_cost_read(x, m, "noc", "hop_ew", &c->hop_ew))) return rc;
  if ((rc = chip_cost_read(x, m, "noc", "hop_ns", &c->hop_ns))) return rc;
  c->buffer_depth = 0;
  if (yml_get(m, "buffer_depth") && (rc = chip_u32(x, m, "noc", "buffer_depth", &c->buffer_depth)))
    return rc;
  /* bubble flow control lets a packet enter a ring only with two free slots
   * in the next buffer (noc_needs_credits): a one-packet buffer never has them */
  if (c->topology->rings && c->buffer_depth == 1)
    return yml_error(x->d, yml_get(m, "buffer_depth"), "noc.buffer_depth", x->err,
                     "topology %s needs buffers of at least 2 packets (bubble flow control: "
                     "a packet entering a ring needs 2 free slots), or 0 (unlimited); got 1",
                     c->topology->name);
  if ((rc = chip_time(x, m, "noc", "link_serialization", &c->link_serialization_ps))) return rc;
  /* a credit crosses back within one link cycle unless the file says otherwise */
  c->credit_latency_ps = c->link_serialization_ps;
  if (yml_get(m, "credit_latency"))
    return chip_time(x, m, "noc", "credit_latency", &c->credit_latency_ps);
  return NMSIM_OK;
}

/* A list of at least one {unit: N, time: T} sorted by N (field names it). */
static nmsim_status chip_read_points(chip_ctx *x, struct fy_node *seq, const char *field,
                                     const char *unit, chip_barrier_point **out, size_t *n_out) {
  const char *point_keys[] = {unit, "time", NULL};
  nmsim_status rc;
  char got[32], f[64];
  int n = fy_node_is_sequence(seq) ? fy_node_sequence_item_count(seq) : 0;
  if (n <= 0) {
    snprintf(got, sizeof got, "%s", fy_node_is_sequence(seq) ? "an empty list" : "no list");
    return yml_error(x->d, seq, field, x->err, "expected a list of at least one {%s, time}, got %s",
                     unit, got);
  }
  chip_barrier_point *pts = nm_calloc((size_t)n, sizeof *pts);
  if (!pts) return NMSIM_ENOMEM_ERR(x->err);
  *out = pts;
  *n_out = (size_t)n;
  void *it = NULL;
  struct fy_node *p;
  for (int i = 0; (p = fy_node_sequence_iterate(seq, &it)) && i < n; i++) {
    chip_barrier_point *bp = &pts[i];
    snprintf(f, sizeof f, "%s[%d]", field, i);
    if ((rc = yml_check_keys(x->d, p, f, point_keys, x->err))) return rc;
    if ((rc = chip_u32(x, p, f, unit, &bp->tiles))) return rc;
    if ((rc = chip_time(x, p, f, "time", &bp->time_ps))) return rc;
    if (i > 0 && bp->tiles <= bp[-1].tiles)
      return yml_error(x->d, yml_get(p, unit), f, x->err,
                       "expected points sorted by %s, each above %u, got %u", unit, bp[-1].tiles,
                       bp->tiles);
    /* a barrier over more of the chip takes no less time; a falling table
     * would be extrapolated below zero beyond its last point (U12) */
    if (i > 0 && bp->time_ps < bp[-1].time_ps)
      return yml_error(x->d, yml_get(p, "time"), f, x->err,
                       "expected a time of at least %.17g ns (the previous point's: a barrier "
                       "over more %s takes no less time)",
                       (double)bp[-1].time_ps / NMSIM_PS_PER_NS, unit);
  }
  return NMSIM_OK;
}

static nmsim_status chip_read_barrier(chip_ctx *x, struct fy_node *root) {
  static const char *const keys[] = {"times", "multi_chip", "energy_per_tile", NULL};
  nmsim_chip *c = x->c;
  struct fy_node *m = chip_need(x, root, "", "barrier", "a mapping {times, energy_per_tile}");
  nmsim_status rc;
  if (!m) return NMSIM_EINPUT;
  if ((rc = yml_check_keys(x->d, m, "barrier", keys, x->err))) return rc;
  struct fy_node *seq = chip_need(x, m, "barrier", "times", "a list of {tiles, time}");
  if (!seq) return NMSIM_EINPUT;
  if ((rc = chip_read_points(x, seq, "barrier.times", "tiles", &c->barrier, &c->n_barrier)))
    return rc;
  if ((seq = yml_get(m, "multi_chip")) &&
      (rc = chip_read_points(x, seq, "barrier.multi_chip", "chips", &c->barrier_chips,
                             &c->n_barrier_chips)))
    return rc;
  return chip_qty(x, m, "barrier", "energy_per_tile", "pJ", CHIP_MAX_ENERGY_PJ,
                  &c->barrier_energy_pj_per_tile);
}

/* Optional chip_link: {energy, time, serialization}. */
static nmsim_status chip_read_chip_link(chip_ctx *x, struct fy_node *root) {
  static const char *const keys[] = {"energy", "time", "serialization", NULL};
  nmsim_chip *c = x->c;
  struct fy_node *m = yml_get(root, "chip_link");
  nmsim_status rc;
  if (!m) return NMSIM_OK;
  if ((rc = yml_check_keys(x->d, m, "chip_link", keys, x->err))) return rc;
  if ((rc = chip_qty(x, m, "chip_link", "energy", "pJ", CHIP_MAX_ENERGY_PJ, &c->chip_link.energy_pj)))
    return rc;
  if ((rc = chip_time(x, m, "chip_link", "time", &c->chip_link.time_ps))) return rc;
  if ((rc = chip_time(x, m, "chip_link", "serialization", &c->chip_link_serialization_ps)))
    return rc;
  c->has_chip_link = true;
  return NMSIM_OK;
}

/* A required cycle count (an integer >= 0) at m.key. */
static nmsim_status chip_cycles(chip_ctx *x, struct fy_node *m, const char *field,
                                const char *key, uint32_t *out) {
  char f[128];
  uint64_t v;
  chip_path(f, sizeof f, field, key);
  struct fy_node *n = chip_need(x, m, field, key, "a number of cycles >= 0");
  if (!n) return NMSIM_EINPUT;
  nmsim_status rc = yml_u64(x->d, n, f, 0, UINT32_MAX, &v, x->err);
  if (rc == NMSIM_OK) *out = (uint32_t)v;
  return rc;
}

/* The time of n cycles at the PE clock, rounded to the nearest ps. */
static nmsim_ps chip_cycles_ps(const chip_pe *pe, uint32_t n) {
  return (nmsim_ps)floor((double)n * 1e12 / pe->clock_hz + 0.5);
}

/* The time of n cycles at clock hz, rounded to the nearest ps. */
static nmsim_ps chip_cycles_at(double hz, uint32_t n) {
  return (nmsim_ps)floor((double)n * 1e12 / hz + 0.5);
}

/* pe.dvfs (optional): {switch_time, levels: [{clock, voltage,
 * energy_per_cycle, static}, ...]}, 1 to CHIP_MAX_LEVELS levels with rising
 * clocks; each level's event costs from the PE's cycle counts. */
static nmsim_status chip_read_dvfs(chip_ctx *x, struct fy_node *m) {
  static const char *const keys[] = {"switch_time", "levels", NULL};
  static const char *const lkeys[] = {"clock", "voltage", "energy_per_cycle", "static", NULL};
  chip_pe *pe = &x->c->pe;
  nmsim_status rc;
  char f[64], got[80];
  if ((rc = yml_check_keys(x->d, m, "pe.dvfs", keys, x->err))) return rc;
  if ((rc = chip_time(x, m, "pe.dvfs", "switch_time", &pe->switch_ps))) return rc;
  struct fy_node *seq = chip_need(x, m, "pe.dvfs", "levels", "a list of performance levels");
  if (!seq) return NMSIM_EINPUT;
  int n = fy_node_is_sequence(seq) ? fy_node_sequence_item_count(seq) : 0;
  if (n < 1 || n > CHIP_MAX_LEVELS) {
    if (!fy_node_is_sequence(seq)) snprintf(got, sizeof got, "no list");
    else if (n < 1) snprintf(got, sizeof got, "an empty list");
    else snprintf(got, sizeof got, "%d levels", n);
    return yml_error(x->d, seq, "pe.dvfs.levels", x->err,
                     "expected a list of 1 to %d levels {clock, voltage, energy_per_cycle, "
                     "static}, slowest first, got %s", CHIP_MAX_LEVELS, got);
  }
  void *it = NULL;
  struct fy_node *p;
  for (int i = 0; (p = fy_node_sequence_iterate(seq, &it)) && i < n; i++) {
    chip_pe_level *l = &pe->level[i];
    snprintf(f, sizeof f, "pe.dvfs.levels[%d]", i);
    if ((rc = yml_check_keys(x->d, p, f, lkeys, x->err))) return rc;
    if ((rc = chip_qty(x, p, f, "clock", "Hz", 1e12, &l->clock_hz))) return rc;
    if (!(l->clock_hz >= 1e3) || (i > 0 && !(l->clock_hz > l[-1].clock_hz)))
      return yml_error(x->d, yml_get(p, "clock"), f, x->err,
                       "expected a clock of at least 1 kHz above the previous level's (levels "
                       "go slowest first), got %g Hz", l->clock_hz);
    if ((rc = chip_qty(x, p, f, "voltage", "V", 100.0, &l->volts))) return rc;
    if ((rc = chip_qty(x, p, f, "energy_per_cycle", "pJ", CHIP_MAX_ENERGY_PJ, &l->pj_per_cycle)))
      return rc;
    if ((rc = chip_qty(x, p, f, "static", "mW", CHIP_MAX_POWER_MW, &l->static_mw))) return rc;
    double e = l->pj_per_cycle;
    l->neuron_active = (chip_cost){e * pe->cyc_neuron, chip_cycles_at(l->clock_hz, pe->cyc_neuron)};
    l->neuron_idle = (chip_cost){e * pe->cyc_idle, chip_cycles_at(l->clock_hz, pe->cyc_idle)};
    l->spike_out = (chip_cost){e * pe->cyc_spike, chip_cycles_at(l->clock_hz, pe->cyc_spike)};
  }
  pe->n_levels = (uint32_t)n;
  return NMSIM_OK;
}

/* pe (core_kind spinnaker2): {clock, tick, tick_offset?, energy_per_cycle,
 * cycles: {neuron_update, neuron_idle, packet, synapse, spike_out}}. The
 * per-event costs of the core (syn_op, neuron_active, ...) are derived from
 * it, so reports and `nmsim chips` read them as for any chip. */
static nmsim_status chip_read_pe(chip_ctx *x, struct fy_node *root) {
  static const char *const keys[] = {"clock", "tick", "tick_offset", "energy_per_cycle",
                                     "cycles", "dvfs", NULL};
  static const char *const ckeys[] = {"neuron_update", "neuron_idle", "packet", "synapse",
                                      "spike_out", NULL};
  nmsim_chip *c = x->c;
  chip_pe *pe = &c->pe;
  nmsim_status rc;
  struct fy_node *m = chip_need(x, root, "", "pe", "a mapping describing the processing element");
  if (!m) return NMSIM_EINPUT;
  if ((rc = yml_check_keys(x->d, m, "pe", keys, x->err))) return rc;
  if ((rc = chip_qty(x, m, "pe", "clock", "Hz", 1e12, &pe->clock_hz))) return rc;
  if (!(pe->clock_hz >= 1e3))
    return yml_error(x->d, yml_get(m, "clock"), "pe.clock", x->err,
                     "expected a clock of at least 1 kHz, got %g Hz", pe->clock_hz);
  if ((rc = chip_time(x, m, "pe", "tick", &pe->tick_ps))) return rc;
  if (pe->tick_ps == 0)
    return yml_error(x->d, yml_get(m, "tick"), "pe.tick", x->err, "expected a tick > 0");
  pe->tick_offset_ps = 0;
  if (yml_get(m, "tick_offset") && (rc = chip_time(x, m, "pe", "tick_offset", &pe->tick_offset_ps)))
    return rc;
  if ((rc = chip_qty(x, m, "pe", "energy_per_cycle", "pJ", CHIP_MAX_ENERGY_PJ, &pe->pj_per_cycle)))
    return rc;
  struct fy_node *cy = chip_need(x, m, "pe", "cycles", "a mapping of cycles per event");
  if (!cy) return NMSIM_EINPUT;
  if ((rc = yml_check_keys(x->d, cy, "pe.cycles", ckeys, x->err))) return rc;
  if ((rc = chip_cycles(x, cy, "pe.cycles", "neuron_update", &pe->cyc_neuron))) return rc;
  if ((rc = chip_cycles(x, cy, "pe.cycles", "neuron_idle", &pe->cyc_idle))) return rc;
  if ((rc = chip_cycles(x, cy, "pe.cycles", "packet", &pe->cyc_packet))) return rc;
  if ((rc = chip_cycles(x, cy, "pe.cycles", "synapse", &pe->cyc_synapse))) return rc;
  if ((rc = chip_cycles(x, cy, "pe.cycles", "spike_out", &pe->cyc_spike))) return rc;
  double e = pe->pj_per_cycle;
  c->neuron_active = (chip_cost){e * pe->cyc_neuron, chip_cycles_ps(pe, pe->cyc_neuron)};
  c->neuron_idle = (chip_cost){e * pe->cyc_idle, chip_cycles_ps(pe, pe->cyc_idle)};
  c->syn_op = (chip_cost){e * pe->cyc_synapse, chip_cycles_ps(pe, pe->cyc_synapse)};
  c->spike_out = (chip_cost){e * pe->cyc_spike, chip_cycles_ps(pe, pe->cyc_spike)};
  pe->packet = (chip_cost){e * pe->cyc_packet, chip_cycles_ps(pe, pe->cyc_packet)};
  c->syn_update = (chip_cost){0, 0}; /* no on-chip learning modelled on the PE */
  struct fy_node *dv = yml_get(m, "dvfs");
  return dv ? chip_read_dvfs(x, dv) : NMSIM_OK;
}

/* router (core_kind spinnaker2): {entries}. */
static nmsim_status chip_read_router(chip_ctx *x, struct fy_node *root) {
  static const char *const keys[] = {"entries", NULL};
  nmsim_status rc;
  struct fy_node *m = chip_need(x, root, "", "router", "a mapping {entries}");
  if (!m) return NMSIM_EINPUT;
  if ((rc = yml_check_keys(x->d, m, "router", keys, x->err))) return rc;
  return chip_u32(x, m, "router", "entries", &x->c->router_entries);
}

/* tick (core types with CORE_CHIP_TICK): the global tick's period, > 0. */
static nmsim_status chip_read_tick(chip_ctx *x, struct fy_node *root) {
  nmsim_status rc = chip_time(x, root, "", "tick", &x->c->tick_ps);
  if (rc == NMSIM_OK && x->c->tick_ps == 0)
    return yml_error(x->d, yml_get(root, "tick"), "tick", x->err, "expected a tick > 0");
  return rc;
}

/* pacing (optional): how the chip is run, step after step. A chip with a
 * barrier runs fast unless it says otherwise; a chip on timer ticks has no
 * barrier to run fast with, and its tick is its real-time period. */
static nmsim_status chip_read_pacing(chip_ctx *x, struct fy_node *root) {
  nmsim_chip *c = x->c;
  bool pe = c->core_type->flags & CORE_CHIP_PE;
  nmsim_ps tick = pe ? c->pe.tick_ps : c->tick_ps;
  const char *tick_key = pe ? "pe.tick" : "tick";
  c->pacing = tick ? NM_PACE_REALTIME : NM_PACE_FAST;
  c->pacing_ps = tick;
  struct fy_node *n = yml_get(root, "pacing");
  if (!n) return NMSIM_OK;
  nm_pacing kind;
  nmsim_ps ps;
  nmsim_status rc = pacing_read(x->d, n, "pacing", false, &kind, &ps, x->err);
  if (rc) return rc;
  if (tick && kind == NM_PACE_FAST)
    return yml_error(x->d, n, "pacing", x->err,
                     "core_kind %s runs on timer ticks, with no barrier to run fast: its "
                     "pacing is real time at its %s", c->core_type->name, tick_key);
  if (tick && ps != tick)
    return yml_error(x->d, n, "pacing", x->err,
                     "the real-time period of core_kind %s is its %s (%g ms here): write "
                     "the same period or leave pacing out",
                     c->core_type->name, tick_key, (double)tick / 1e9);
  c->pacing = kind;
  c->pacing_ps = ps;
  return NMSIM_OK;
}

/* static_power: the whole chip's leakage (a quantity), or its parts
 * {chip, tile, core, gating: none | idle} (chip_int.h). */
static nmsim_status chip_read_static(chip_ctx *x, struct fy_node *root) {
  nmsim_chip *c = x->c;
  struct fy_node *n = chip_need(x, root, "", "static_power",
                                "a power (mW), or {chip, tile, core, gating}");
  if (!n) return NMSIM_EINPUT;
  nmsim_status rc;
  if (!fy_node_is_mapping(n)) {
    if ((rc = yml_quantity(x->d, n, "static_power", "mW", 0.0, CHIP_MAX_POWER_MW,
                           &c->static_chip_mw, x->err)))
      return rc;
    c->static_power_mw = c->static_chip_mw;
    return NMSIM_OK;
  }
  static const char *const keys[] = {"chip", "tile", "core", "gating", NULL};
  if ((rc = yml_check_keys(x->d, n, "static_power", keys, x->err))) return rc;
  double *part[] = {&c->static_chip_mw, &c->static_tile_mw, &c->static_core_mw};
  for (int k = 0; k < 3; k++) {
    struct fy_node *q = yml_get(n, keys[k]);
    char f[64];
    snprintf(f, sizeof f, "static_power.%s", keys[k]);
    if (q && (rc = yml_quantity(x->d, q, f, "mW", 0.0, CHIP_MAX_POWER_MW, part[k], x->err)))
      return rc;
  }
  struct fy_node *g = yml_get(n, "gating");
  if (g) {
    const char *v = NULL;
    if ((rc = yml_str(x->d, g, "static_power.gating", &v, x->err))) return rc;
    if (strcmp(v, "idle") && strcmp(v, "none"))
      return yml_error(x->d, g, "static_power.gating", x->err,
                       "expected none (every chip, tile and core leaks) or idle (a chip, tile "
                       "or core with no neuron is power-gated), got '%s'", v);
    c->static_gated = strcmp(v, "idle") == 0;
  }
  c->static_power_mw = c->static_chip_mw + c->static_tile_mw * chip_n_tiles(c) +
                       c->static_core_mw * chip_n_cores(c);
  if (!(c->static_power_mw <= CHIP_MAX_POWER_MW))
    return yml_error(x->d, n, "static_power", x->err,
                     "the parts add up to %g mW for the chip, over %g mW", c->static_power_mw,
                     CHIP_MAX_POWER_MW);
  return NMSIM_OK;
}

/* A section that the chip's core type does not use is an error at its key. */
static nmsim_status chip_reject(chip_ctx *x, struct fy_node *root, const char *key,
                                const char *why) {
  struct fy_node *n = yml_get(root, key);
  if (!n) return NMSIM_OK;
  return yml_error(x->d, n, key, x->err, "not used by core_kind %s (%s)",
                   x->c->core_type->name, why);
}

/* "core_kind a or b": the core types whose flags include flag. */
static void kinds_with(unsigned flag, char *buf, size_t len) {
  size_t at = 0, n = 0;
  buf[0] = 0;
  for (size_t i = 0; core_types[i]; i++)
    if (core_types[i]->flags & flag) n++;
  for (size_t i = 0, k = 0; core_types[i] && at < len; i++) {
    if (!(core_types[i]->flags & flag)) continue;
    int w = snprintf(buf + at, len - at, "%s%s", k == 0 ? "core_kind " : k + 1 == n ? " or " : ", ",
                     core_types[i]->name);
    if (w < 0) break;
    at += (size_t)w;
    k++;
  }
}

/* A section only some core types use: read it when the chip's type uses it,
 * else reject it, naming the types it is for. */
static nmsim_status chip_section(chip_ctx *x, struct fy_node *root, const char *key,
                                 unsigned flag, nmsim_status (*read)(chip_ctx *, struct fy_node *)) {
  if (x->c->core_type->flags & flag) return read(x, root);
  char why[160], kinds[128];
  kinds_with(flag, kinds, sizeof kinds);
  snprintf(why, sizeof why, "it is for %s", kinds);
  return chip_reject(x, root, key, why);
}

static nmsim_status chip_read(chip_ctx *x, const char *default_name) {
  static const char *const keys[] = {"name",   "core_kind", "description", "mesh",
                                     "limits", "costs",     "noc",         "chip_link",
                                     "barrier", "static_power", "pe",      "router",
                                     "tick",   "pacing", NULL};
  const char *kinds[16];
  size_t n_kinds = 0;
  struct fy_node *root = yml_root(x->d), *n;
  nmsim_chip *c = x->c;
  const char *s = default_name;
  size_t kind = 0;
  nmsim_status rc;
  if ((rc = yml_check_keys(x->d, root, "", keys, x->err))) return rc;
  if ((n = yml_get(root, "name")) && (rc = yml_str(x->d, n, "name", &s, x->err))) return rc;
  if (!(c->name = nm_strdup(s))) return NMSIM_ENOMEM_ERR(x->err);
  s = "";
  if ((n = yml_get(root, "description")) && (rc = yml_str(x->d, n, "description", &s, x->err)))
    return rc;
  if (!(c->description = nm_strdup(s))) return NMSIM_ENOMEM_ERR(x->err);
  while (core_types[n_kinds] && n_kinds < NM_ARRAY_LEN(kinds))
    kinds[n_kinds] = core_types[n_kinds]->name, n_kinds++;
  if ((rc = chip_choice(x, root, "", "core_kind", kinds, n_kinds, &kind))) return rc;
  c->core_type = core_types[kind];
  if ((rc = chip_read_mesh(x, root))) return rc;
  if ((rc = chip_read_limits(x, root))) return rc;
  bool pe = c->core_type->flags & CORE_CHIP_PE;
  if (pe) {
    /* software on a clocked processor: its costs come from pe */
    if ((rc = chip_reject(x, root, "costs", "its costs are pe.cycles x pe.energy_per_cycle")))
      return rc;
  }
  if (!(c->core_type->flags & CORE_CHIP_BARRIER) &&
      (rc = chip_reject(x, root, "barrier",
                        pe ? "its PEs run on their own timer ticks" : "it has no barrier")))
    return rc;
  if ((rc = chip_section(x, root, "pe", CORE_CHIP_PE, chip_read_pe))) return rc;
  if ((rc = chip_section(x, root, "router", CORE_CHIP_ROUTER, chip_read_router))) return rc;
  if ((rc = chip_section(x, root, "tick", CORE_CHIP_TICK, chip_read_tick))) return rc;
  if (!pe && (rc = chip_read_costs(x, root))) return rc;
  if ((rc = chip_read_noc(x, root))) return rc;
  if ((rc = chip_read_chip_link(x, root))) return rc;
  if ((c->core_type->flags & CORE_CHIP_BARRIER) && (rc = chip_read_barrier(x, root))) return rc;
  if ((rc = chip_read_pacing(x, root))) return rc;
  return chip_read_static(x, root);
}

/* ---- public -------------------------------------------------------------- */

const char *nmsim_chip_preset_text(const char *name) {
  for (size_t i = 0; name && nmsim_chip_presets[i]; i++)
    if (strcmp(nmsim_chip_presets[i], name) == 0) return chip_preset_texts[i];
  return NULL;
}

/* Read a whole file into an nm_malloc'd string. */
/* Whether ref names a file rather than a preset. */
static bool chip_ref_is_path(const char *ref) {
  size_t n = strlen(ref);
  return strchr(ref, '/') || (n >= 5 && strcmp(ref + n - 5, ".yaml") == 0);
}

nmsim_status nmsim_chip_load(const char *ref, const char *base_dir, nmsim_chip **out,
                             nmsim_err *err) {
  nmsim_status rc;
  yml_doc *d = NULL;
  char *stem = NULL;
  chip_ctx x = {.err = err};
  if (!out || !ref) return NMSIM_ERR(err, NMSIM_EINVAL, "nmsim_chip_load: NULL argument");
  *out = NULL;
  nmsim_chip *c = nm_calloc(1, sizeof *c);
  if (!c) return NMSIM_ENOMEM_ERR(err);

  if (chip_ref_is_path(ref)) {
    bool join = ref[0] != '/' && base_dir && base_dir[0];
    size_t len = strlen(ref) + (join ? strlen(base_dir) + 1 : 0) + 1;
    if (!(c->path = nm_malloc(len))) goto nomem;
    snprintf(c->path, len, "%s%s%s", join ? base_dir : "", join ? "/" : "", ref);
    if ((rc = nm_read_text(c->path, NM_TEXT_MAX, &c->text, err))) goto fail;
    stem = nm_path_stem(c->path);
  } else {
    const char *text = nmsim_chip_preset_text(ref);
    if (!text) {
      char list[256] = "";
      size_t n = 0;
      for (size_t i = 0; nmsim_chip_presets[i] && n < sizeof list; i++)
        n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", i ? ", " : "",
                              nmsim_chip_presets[i]);
      rc = NMSIM_ERR(err, NMSIM_EINPUT,
                     "unknown chip preset '%s' (presets: %s; or give a path to a chip file)", ref,
                     list);
      goto fail;
    }
    size_t len = strlen(ref) + sizeof "preset:";
    if (!(c->path = nm_malloc(len)) || !(c->text = nm_strdup(text))) goto nomem;
    snprintf(c->path, len, "preset:%s", ref);
    stem = nm_strdup(ref);
  }
  if (!stem) goto nomem;
  if ((rc = yml_parse(c->path, c->text, &d, err))) goto fail;
  x.d = d;
  x.c = c;
  if ((rc = chip_read(&x, stem))) goto fail;
  yml_free(d);
  nm_free(stem);
  *out = c;
  return NMSIM_OK;

nomem:
  rc = NMSIM_ENOMEM_ERR(err);
fail:
  yml_free(d);
  nm_free(stem);
  nmsim_chip_destroy(c);
  return rc;
}

