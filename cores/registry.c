/* registry.c: the core types a chip file's core_kind may name (one line
 * each), and their lookup by name. */
#include <string.h>

#include "cores/core_type.h"

const core_type *const core_types[] = {
    &core_type_loihi,
    &core_type_spinnaker2,
    &core_type_truenorth,
    NULL,
};

const core_type *core_type_find(const char *name) {
  if (!name) return NULL;
  for (size_t i = 0; core_types[i]; i++)
    if (strcmp(core_types[i]->name, name) == 0) return core_types[i];
  return NULL;
}
