/* load.h - the files of a run: the schemas given and, transitively, the
 * files they import, each found, read and parsed exactly once.
 *
 * `import "x.zidl";` is looked for next to the importing file, then in
 * each include directory in order. A file is known by its absolute path
 * (or, with a custom reader, its normalised path), so a diamond loads the
 * shared file once. Cycles, missing files, imports nested too deep and two
 * files that would write the same outputs are reported at the import. */
#ifndef ZIDL_LOAD_H
#define ZIDL_LOAD_H

#include "arena.h"
#include "ast.h"
#include "diag.h"
#include "symtab.h"

typedef struct zidl_import_step zidl_import_step;

typedef struct zidl_loader {
    const zidl_options *opts;
    zidl_diag *diag;
    zidl_arena *arena;
    zidl_symtab by_key;  /* key -> zidl_file */
    zidl_symtab by_base; /* base name -> zidl_file: their outputs share a name */
    ZIDL_LIST(zidl_file) order; /* every file, each after those it imports */
    ZIDL_LIST(zidl_file) roots; /* the files given, in order */
    ZIDL_LIST(char) read_paths; /* every file read, for the depfile */
    ZIDL_LIST(zidl_import_step) path; /* the imports being followed */
} zidl_loader;

void zidl_loader_init(zidl_loader *l, const zidl_options *opts, zidl_diag *diag,
                      zidl_arena *arena);
void zidl_loader_free(zidl_loader *l);

/* Loads a file given to the run, then everything it imports. */
void zidl_load_root(zidl_loader *l, const char *path);

#endif /* ZIDL_LOAD_H */
