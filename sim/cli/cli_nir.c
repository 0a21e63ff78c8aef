/* cli_nir.c: `nmsim nir info FILE [--json]`: the version, nodes (type, input
 * and output shapes, datasets) and edges of a NIR graph (sim/nir/nir.h). */
#include <stdio.h>
#include <string.h>

#include "sim/cli/cli.h"
#include "sim/nir/nir.h"

static const char *usage_nir =
    "usage: nmsim nir info FILE [--json]\n"
    "\n"
    "Describe a NIR graph (the HDF5 files snnTorch, Norse, Sinabs, Rockpool, Lava\n"
    "export): its version, every node with its type and input and output shapes,\n"
    "and the edges. Nodes of nested graphs are named 'graph.node'. Repairs made to\n"
    "broken files are reported on stderr as warnings. Exit status 0, or 2 if the file\n"
    "is not a NIR graph nmsim can read (the message names the file and the node).\n"
    "  --json   print one object: version, nodes [{name, type, shapes}], edges\n"
    "           [[src, dst]] (plus file, params per node and warnings)\n"
    "A scenario runs a NIR graph with network: {nir: FILE, ...}; see docs/nir.md.\n";

/* s as a JSON string. */
static void json_str(FILE *f, const char *s) {
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\') fprintf(f, "\\%c", *p);
    else if (*p < 0x20) fprintf(f, "\\u%04x", *p);
    else fputc(*p, f);
  }
  fputc('"', f);
}

static void json_shape(FILE *f, const nir_shape *s) {
  fputc('[', f);
  for (uint32_t i = 0; i < s->nd; i++)
    fprintf(f, "%s%llu", i ? ", " : "", (unsigned long long)s->d[i]);
  fputc(']', f);
}

static void print_json(FILE *f, const nir_graph *g) {
  fprintf(f, "{\"file\": ");
  json_str(f, g->path);
  fprintf(f, ", \"version\": ");
  json_str(f, g->version);
  fprintf(f, ",\n \"nodes\": [");
  for (size_t i = 0; i < g->n_nodes; i++) {
    const nir_node *n = &g->nodes[i];
    fprintf(f, "%s\n  {\"name\": ", i ? "," : "");
    json_str(f, n->name);
    fprintf(f, ", \"type\": ");
    json_str(f, n->type);
    fprintf(f, ", \"graph\": ");
    if (n->parent >= 0) json_str(f, g->nodes[n->parent].name);
    else fprintf(f, "null");
    fprintf(f, ", \"shapes\": ");
    if (n->known) {
      fprintf(f, "{\"input\": ");
      json_shape(f, &n->in);
      fprintf(f, ", \"output\": ");
      json_shape(f, &n->out);
      fprintf(f, "}");
    } else {
      fprintf(f, "null");
    }
    fprintf(f, ", \"params\": {");
    for (size_t k = 0; k < n->n_params; k++) {
      const nir_param *p = &n->params[k];
      fprintf(f, "%s", k ? ", " : "");
      json_str(f, p->name);
      fprintf(f, ": {\"dtype\": \"%s\", \"shape\": ", p->dtype);
      json_shape(f, &p->shape);
      if (p->str) {
        fprintf(f, ", \"value\": ");
        json_str(f, p->str);
      }
      fprintf(f, "%s}", p->gzip ? ", \"gzip\": true" : "");
    }
    fprintf(f, "}}");
  }
  fprintf(f, "\n ],\n \"edges\": [");
  for (size_t e = 0; e < g->n_edges; e++) {
    fprintf(f, "%s[", e ? ", " : "");
    json_str(f, g->nodes[g->edges[e].src].name);
    fprintf(f, ", ");
    json_str(f, g->nodes[g->edges[e].dst].name);
    fprintf(f, "]");
  }
  fprintf(f, "],\n \"warnings\": [");
  for (size_t w = 0; w < g->n_warnings; w++) {
    fprintf(f, "%s", w ? ", " : "");
    json_str(f, g->warnings[w]);
  }
  fprintf(f, "]}\n");
}

static void print_text(FILE *f, const nir_graph *g) {
  char a[96], b[96];
  fprintf(f, "%s: NIR version %s, %zu nodes, %zu edges\n", g->path,
          g->version[0] ? g->version : "(none stored)", g->n_nodes, g->n_edges);
  size_t w = 4;
  for (size_t i = 0; i < g->n_nodes; i++)
    if (strlen(g->nodes[i].name) > w) w = strlen(g->nodes[i].name);
  fprintf(f, "nodes:\n  %-*s  %-9s  %s\n", (int)w, "name", "type", "input -> output   datasets");
  for (size_t i = 0; i < g->n_nodes; i++) {
    const nir_node *n = &g->nodes[i];
    fprintf(f, "  %-*s  %-9s  %s -> %s  ", (int)w, n->name, n->type,
            n->known ? nir_shape_str(&n->in, a, sizeof a) : "?",
            n->known ? nir_shape_str(&n->out, b, sizeof b) : "?");
    for (size_t k = 0; k < n->n_params; k++) {
      const nir_param *p = &n->params[k];
      if (p->str) fprintf(f, "%s%s '%s'", k ? ", " : " ", p->name, p->str);
      else
        fprintf(f, "%s%s %s%s%s", k ? ", " : " ", p->name, p->dtype,
                nir_shape_str(&p->shape, a, sizeof a), p->gzip ? " gzip" : "");
    }
    fputc('\n', f);
  }
  fprintf(f, "edges:\n");
  for (size_t e = 0; e < g->n_edges; e++)
    fprintf(f, "  %s -> %s\n", g->nodes[g->edges[e].src].name, g->nodes[g->edges[e].dst].name);
}

int cli_nir(int argc, char **argv) {
  bool json = false;
  const char *sub = NULL, *file = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      fputs(usage_nir, stdout);
      return 0;
    }
    if (!strcmp(argv[i], "--json")) json = true;
    else if (argv[i][0] == '-' && argv[i][1]) {
      fprintf(stderr, "nmsim nir: unknown option '%s'\nTry 'nmsim nir --help'.\n", argv[i]);
      return 2;
    } else if (!sub) sub = argv[i];
    else if (!file) file = argv[i];
    else {
      fprintf(stderr, "nmsim nir: unexpected argument '%s'\nTry 'nmsim nir --help'.\n", argv[i]);
      return 2;
    }
  }
  if (!sub || strcmp(sub, "info") != 0 || !file) {
    fprintf(stderr, "nmsim nir: %s\nTry 'nmsim nir --help'.\n",
            !sub ? "expected a command: info FILE"
                 : strcmp(sub, "info") ? "unknown command; expected info FILE" : "expected a FILE");
    return 2;
  }
  nir_graph *g = NULL;
  nmsim_err err = {0};
  nmsim_status rc = nir_read(file, &g, &err);
  if (rc != NMSIM_OK) {
    fprintf(stderr, "nmsim: %s\n", err.msg[0] ? err.msg : nmsim_strerror(rc));
    return rc == NMSIM_ENOMEM || rc == NMSIM_EINTERNAL ? 1 : 2;
  }
  for (size_t w = 0; w < g->n_warnings; w++)
    fprintf(stderr, "nmsim: warning: %s\n", g->warnings[w]);
  if (json) print_json(stdout, g);
  else print_text(stdout, g);
  nir_graph_destroy(g);
  return 0; /* a failed write to stdout: main says so and exits 1 */
}
