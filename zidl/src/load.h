/* load.h - the files of a run: the schemas given and, transitively, the
 * files they import, each found, read and parsed exactly once.
 *
 * `import "x.zidl";` is looked for next to the importing file, then in
 * each include directory in order. A file is known by its absolute path
 * (or, with a custom reader, its normalised path), so a diamond loads the
 * shared file once. Cycles, missing files, imports nested too deep and two
 * files that would write the same outputs are reported at the import. */
#ifndef ZIDL__LOAD_H
#define ZIDL__LOAD_H

#include "arena.h"
#include "ast.h"
#include "diag.h"
#include "symtab.h"

typedef struct zidl__import_step zidl__import_step;

typedef struct zidl__loader {
    const zidl_options *opts;
    zidl__diag *diag;
    zidl__arena *arena;
    zidl__symtab by_key;                /* key -> zidl__file */
    zidl__symtab by_base;               /* base name -> zidl__file: their outputs share a name */
    ZIDL__LIST(zidl__file) order;       /* every file, each after those it imports */
    ZIDL__LIST(zidl__file) roots;       /* the files given, in order */
    ZIDL__LIST(char) read_paths;        /* every file read, for the depfile */
    ZIDL__LIST(zidl__import_step) path; /* the imports being followed */
} zidl__loader;

void zidl__loader_init(zidl__loader *l, const zidl_options *opts, zidl__diag *diag,
                       zidl__arena *arena);
void zidl__loader_free(zidl__loader *l);

/* Loads a file given to the run, then everything it imports. */
void zidl__load_root(zidl__loader *l, const char *path);

#endif /* ZIDL__LOAD_H */
