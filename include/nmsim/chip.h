/* chip.h: chip architecture files and the bundled presets. */
#ifndef NMSIM_CHIP_H
#define NMSIM_CHIP_H

#include "nmsim/nmsim.h"

typedef struct nmsim_chip nmsim_chip;

/* Load a chip by reference: a preset name ("loihi") or a path to a chip file
 * (anything containing '/' or ending in ".yaml"; a relative path is taken
 * against base_dir when base_dir is not NULL). On bad input NMSIM_EINPUT with
 * "FILE:LINE:COL: FIELD: expected ..."; unknown preset: the message lists them. */
NMSIM_API nmsim_status nmsim_chip_load(const char *ref, const char *base_dir, nmsim_chip **out,
                                       nmsim_err *err);
/* Accepts NULL. */
NMSIM_API void nmsim_chip_destroy(nmsim_chip *c);
/* Bundled presets: NULL-terminated names; text of one (NULL if unknown). */
NMSIM_API extern const char *const nmsim_chip_presets[];
NMSIM_API const char *nmsim_chip_preset_text(const char *name);

#endif
