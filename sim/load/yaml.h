/* yaml.h: a thin layer over libfyaml for nmsim's scenario and chip files:
 * loading with parse errors captured as "FILE:LINE:COL: message", typed
 * getters that report the field path and what was expected, strict key
 * checking (unknown keys are errors listing the valid ones), and --set
 * overrides applied to the document tree. */
#ifndef NMSIM_SIM_YAML_H
#define NMSIM_SIM_YAML_H

#include <libfyaml.h>

#include "nmsim/scenario.h"
#include "sim/base/sim_int.h"

typedef struct yml_doc yml_doc;

/* Parse text (name is used in messages). On a YAML syntax error returns
 * NMSIM_EINPUT with "NAME:LINE:COL: <parser message>". */
nmsim_status yml_parse(const char *name, const char *text, yml_doc **out, nmsim_err *err);
void yml_free(yml_doc *d);
struct fy_node *yml_root(yml_doc *d);
const char *yml_name(const yml_doc *d);

/* Apply overrides: KEY is a dotted path ("populations.exc.params.tau_m"),
 * with [N] for a list item ("projections[0].weight"); a missing last key is
 * added to its mapping, and missing intermediate mapping keys are created as
 * nested mappings (the loader then rejects any misspelt field); a path through
 * a scalar or a bad list index is an error naming the key.
 * VALUE is parsed as YAML and replaces a scalar or a whole subtree. Errors read
 * "NAME: --set KEY=VALUE: message". */
nmsim_status yml_apply_overrides(yml_doc *d, const nmsim_override *ov, size_t n,
                                 nmsim_err *err);
/* Emit the (possibly overridden) document as YAML text (nm_malloc'd). */
char *yml_emit(yml_doc *d);

/* 1-based line and column of a node (0, 0 if node is NULL or was set by an
 * override: it has no place in the file). An empty value has its key's. */
void yml_pos(const struct fy_node *n, int *line, int *col);

/* Record an input error at node: "NAME:LINE:COL: FIELD: message". field is the
 * dotted path of the value (e.g. "populations.exc.size"). A node set by an
 * override is reported as "NAME: --set KEY=VALUE: FIELD: message". Returns
 * NMSIM_EINPUT. */
nmsim_status yml_error(yml_doc *d, struct fy_node *n, const char *field, nmsim_err *err,
                       const char *fmt, ...) NMSIM_PRINTF(5, 6);

/* Check that every key of mapping m is in allowed (NULL-terminated);
 * otherwise an error at the unknown key listing the allowed keys.
 * Also errors if m is not a mapping (expected a mapping). */
nmsim_status yml_check_keys(yml_doc *d, struct fy_node *m, const char *field,
                            const char *const *allowed, nmsim_err *err);

/* Child of mapping m at key, or NULL. */
struct fy_node *yml_get(struct fy_node *m, const char *key);

/* Typed reads of node n (field names it in errors). Each returns NMSIM_OK or
 * NMSIM_EINPUT with a located message stating what was expected. */
nmsim_status yml_str(yml_doc *d, struct fy_node *n, const char *field, const char **out,
                     nmsim_err *err);  /* scalar; *out valid until yml_free */
nmsim_status yml_u64(yml_doc *d, struct fy_node *n, const char *field, uint64_t min,
                     uint64_t max, uint64_t *out, nmsim_err *err);
nmsim_status yml_bool(yml_doc *d, struct fy_node *n, const char *field, bool *out,
                      nmsim_err *err);
/* A quantity in unit `unit` (see units.h), checked against [min, max]. */
nmsim_status yml_quantity(yml_doc *d, struct fy_node *n, const char *field, const char *unit,
                          double min, double max, double *out, nmsim_err *err);

/* Limits of what a scenario or chip file may hold (docs/scenario-format.md,
 * "Input limits"): nodes once aliases are expanded, and nesting depth. A
 * real scenario holds thousands of nodes (a NIR import or per-neuron values
 * may hold a few million values as flow sequences: the node limit counts
 * those too). */
#define YML_MAX_NODES 4000000
#define YML_MAX_DEPTH 64

/* NMSIM_OK if text is UTF-8 (no overlong forms, surrogates or code points
 * beyond U+10FFFF); else NMSIM_EINPUT "name:line:col: not UTF-8 text". */
nmsim_status yml_check_utf8(const char *name, const char *text, nmsim_err *err);

/* Quote characters (') in a row that a document may not hold: libfyaml
 * 0.7.12 misreads two '' escapes in a row inside a single-quoted scalar
 * ('x''''y' reads as x''' instead of x''y) and leaks memory on four, so a
 * run this long is refused; a double-quoted scalar ("x''y") holds the same
 * text. */
#define YML_MAX_QUOTE_RUN 4
/* NMSIM_OK, or NMSIM_EINPUT "name:line:col: N quote characters in a row". */
nmsim_status yml_check_quotes(const char *name, const char *text, nmsim_err *err);

#endif
