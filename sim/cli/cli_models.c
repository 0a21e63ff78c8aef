/* cli_models.c: `nmsim models [NAME] [--json]`: every registered neuron model
 * with its parameters (unit, default, range, meaning), state variables,
 * input sites and the unit of a weight onto it, presets and properties; what
 * a scenario's populations can say, from the models' own descriptors. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analysis/json.h"
#include "nmsim/model.h"
#include "sim/cli/cli.h"
#include "sim/cli/cli_opts.h"

static const char *usage_models =
    "usage: nmsim models [NAME] [--json]\n"
    "\n"
    "List the neuron models a population can take (model: NAME), or one of them:\n"
    "its parameters (unit, default, allowed range, meaning), state variables (which\n"
    "init and record.state name), input sites (a projection's site) and the unit of\n"
    "a weight onto it, its presets (preset: NAME) and properties. The same lists\n"
    "come from the models themselves, so they are always those of this build.\n"
    "  --json   print an array of model objects\n";

static const char *var_type(nmsim_var_type t) {
  return t == NMSIM_VAR_F64 ? "f64" : t == NMSIM_VAR_I32 ? "i32" : "bytes";
}

/* "[min, max]" with infinities spelled out. */
static void range_text(const nmsim_param_desc *p, char *out, size_t n) {
  char lo[32], hi[32];
  if (isinf(p->min)) snprintf(lo, sizeof lo, "-inf");
  else snprintf(lo, sizeof lo, "%g", p->min);
  if (isinf(p->max)) snprintf(hi, sizeof hi, "inf");
  else snprintf(hi, sizeof hi, "%g", p->max);
  snprintf(out, n, "[%s, %s]", lo, hi);
}

static void print_flags(FILE *f, unsigned fl) {
  static const struct {
    unsigned bit;
    const char *what;
  } names[] = {{NMSIM_MODEL_SOURCE, "spike source (no synaptic input)"},
               {NMSIM_MODEL_FIXED_POINT, "fixed point, bit-exact (8-bit integer weights)"},
               {NMSIM_MODEL_NEEDS_RNG, "random streams per neuron"},
               {NMSIM_MODEL_GRADED, "graded spikes (a value per spike)"},
               {NMSIM_MODEL_SETTLES, "settles from its default state"}};
  int k = 0;
  for (size_t i = 0; i < sizeof names / sizeof *names; i++)
    if (fl & names[i].bit) fprintf(f, "%s%s", k++ ? "; " : "", names[i].what);
  if (!k) fprintf(f, "floating point");
}

static void print_text(FILE *f, const nmsim_neuron_type *t, bool detail) {
  fprintf(f, "%-18s ", t->name);
  print_flags(f, t->flags);
  fprintf(f, "\n");
  if (!detail) return;
  if (t->integration) fprintf(f, "  integration: %s\n", t->integration);
  if (t->n_sites) {
    fprintf(f, "  input sites: ");
    for (size_t i = 0; i < t->n_sites; i++) fprintf(f, "%s%s", i ? ", " : "", t->sites[i]);
    fprintf(f, " (default %s); weights in %s\n", t->sites[0],
            t->input_unit && t->input_unit[0] ? t->input_unit : "plain numbers");
  }
  fprintf(f, "  parameters:\n");
  if (!t->n_params) fprintf(f, "    (none)\n");
  for (size_t i = 0; i < t->n_params; i++) {
    const nmsim_param_desc *p = &t->params[i];
    char r[80];
    range_text(p, r, sizeof r);
    fprintf(f, "    %-14s %-6s default %-10g range %-22s %s\n", p->name, p->unit[0] ? p->unit : "-",
            p->def, r, p->help ? p->help : "");
  }
  fprintf(f, "  state: ");
  for (size_t i = 0; i < t->n_vars; i++) {
    const char *u = t->vars[i].unit && t->vars[i].unit[0] ? t->vars[i].unit : NULL;
    fprintf(f, "%s%s%s%s%s", i ? ", " : "", t->vars[i].name, u ? " (" : "", u ? u : "",
            u ? ")" : "");
  }
  fprintf(f, "%s\n", t->n_vars ? "" : "(none)");
  for (size_t i = 0; i < t->n_presets; i++) {
    const nmsim_preset *pr = &t->presets[i];
    fprintf(f, "  preset %s: %s (", pr->name, pr->help ? pr->help : "");
    for (size_t k = 0; k < pr->n_values; k++)
      fprintf(f, "%s%s %g", k ? ", " : "", pr->values[k].name, pr->values[k].value);
    fprintf(f, ")\n");
  }
}

static void print_json_model(jw *w, const nmsim_neuron_type *t) {
  jw_object_begin(w);
  jw_key_string(w, "name", t->name);
  jw_key_string(w, "integration", t->integration);
  jw_key_bool(w, "source", t->flags & NMSIM_MODEL_SOURCE);
  jw_key_bool(w, "fixed_point", t->flags & NMSIM_MODEL_FIXED_POINT);
  jw_key_bool(w, "graded", t->flags & NMSIM_MODEL_GRADED);
  jw_key_bool(w, "random", t->flags & NMSIM_MODEL_NEEDS_RNG);
  jw_key_string(w, "input_unit", t->input_unit);
  jw_key(w, "sites");
  jw_array_begin(w);
  for (size_t i = 0; i < t->n_sites; i++) jw_string(w, t->sites[i]);
  jw_array_end(w);
  jw_key(w, "params");
  jw_array_begin(w);
  for (size_t i = 0; i < t->n_params; i++) {
    const nmsim_param_desc *p = &t->params[i];
    jw_object_begin(w);
    jw_key_string(w, "name", p->name);
    jw_key_string(w, "unit", p->unit);
    jw_key_double(w, "default", p->def);
    jw_key_double(w, "min", p->min); /* infinities are null */
    jw_key_double(w, "max", p->max);
    jw_key_string(w, "help", p->help);
    jw_object_end(w);
  }
  jw_array_end(w);
  jw_key(w, "state");
  jw_array_begin(w);
  for (size_t i = 0; i < t->n_vars; i++) {
    jw_object_begin(w);
    jw_key_string(w, "name", t->vars[i].name);
    jw_key_string(w, "unit", t->vars[i].unit ? t->vars[i].unit : "");
    jw_key_string(w, "type", var_type(t->vars[i].type));
    jw_object_end(w);
  }
  jw_array_end(w);
  jw_key(w, "presets");
  jw_array_begin(w);
  for (size_t i = 0; i < t->n_presets; i++) {
    const nmsim_preset *pr = &t->presets[i];
    jw_object_begin(w);
    jw_key_string(w, "name", pr->name);
    jw_key_string(w, "help", pr->help);
    jw_key(w, "values");
    jw_object_begin(w);
    for (size_t k = 0; k < pr->n_values; k++)
      jw_key_double(w, pr->values[k].name, pr->values[k].value);
    jw_object_end(w);
    jw_object_end(w);
  }
  jw_array_end(w);
  jw_object_end(w);
}

int cli_models(int argc, char **argv) {
  const char *name = NULL;
  bool json = false;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      fputs(usage_models, stdout);
      return 0;
    } else if (!strcmp(argv[i], "--json")) json = true;
    else if (argv[i][0] == '-') return cli_bad_usage("models", "unknown option '%s'", argv[i]);
    else if (name) return cli_bad_usage("models", "unexpected argument '%s'", argv[i]);
    else name = argv[i];
  }
  const nmsim_neuron_type *one = name ? nmsim_neuron_type_find(name) : NULL;
  if (name && !one) {
    fprintf(stderr, "nmsim models: unknown model '%s'; expected one of:", name);
    for (size_t i = 0; nmsim_neuron_types[i]; i++)
      fprintf(stderr, "%s %s", i ? "," : "", nmsim_neuron_types[i]->name);
    fprintf(stderr, "\n");
    return 2;
  }
  if (json) {
    jw w;
    jw_init(&w, stdout, true);
    jw_array_begin(&w);
    for (size_t i = 0; nmsim_neuron_types[i]; i++)
      if (!one || nmsim_neuron_types[i] == one) print_json_model(&w, nmsim_neuron_types[i]);
    jw_array_end(&w);
    jw_finish(&w);
    return 0;
  }
  for (size_t i = 0; nmsim_neuron_types[i]; i++)
    if (!one || nmsim_neuron_types[i] == one) {
      if (!one && i) printf("\n");
      print_text(stdout, nmsim_neuron_types[i], true);
    }
  return 0;
}
