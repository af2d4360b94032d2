/* zidl_fuzz.c - libFuzzer harness over zidl_compile(): the whole front end
 * and the emitters, in memory (dry_run: nothing is written).
 *
 * An input is up to four schemas separated by lines holding only "%%":
 * a.zidl (compiled), b.zidl, sub/c.zidl and sub/d.zidl, served by the
 * reader callback, with "sub" as include directory, so that imports
 * (found, missing, cyclic, diamond, through -I) are fuzzed too. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zidl/zidl.h"

#define MAX_PARTS 4

static const char *const part_names[MAX_PARTS] = {"a.zidl", "b.zidl", "sub/c.zidl", "sub/d.zidl"};

typedef struct parts {
    const uint8_t *data[MAX_PARTS];
    size_t size[MAX_PARTS];
    size_t count;
} parts;

static void split(const uint8_t *data, size_t size, parts *out)
{
    static const char separator[] = "\n%%\n";
    const size_t sep_len = sizeof separator - 1;
    out->count = 0;
    size_t start = 0;
    for (size_t i = 0; out->count + 1 < MAX_PARTS && i + sep_len <= size; i++) {
        if (memcmp(data + i, separator, sep_len) != 0)
            continue;
        out->data[out->count] = data + start;
        out->size[out->count++] = i + 1 - start; /* keeps the newline */
        start = i + sep_len;
        i = start - 1;
    }
    out->data[out->count] = data + start;
    out->size[out->count++] = size - start;
}

static int read_part(void *user, const char *path, char **text, size_t *length)
{
    const parts *p = user;
    for (size_t i = 0; i < p->count; i++) {
        if (strcmp(path, part_names[i]) != 0)
            continue;
        *text = malloc(p->size[i] + 1);
        if (*text == NULL)
            return ENOMEM;
        if (p->size[i] > 0)
            memcpy(*text, p->data[i], p->size[i]);
        *length = p->size[i];
        return 0;
    }
    return ENOENT;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const include_dirs[] = {"sub"};
    parts p;
    split(data, size, &p);
    zidl_options opts;
    zidl_options_init(&opts);
    opts.read_file = read_part;
    opts.user = &p;
    opts.dry_run = true;
    opts.skeleton = true;
    opts.include_dirs = include_dirs;
    opts.include_dir_count = 1;
    opts.output_dir = "out";
    /* Small limits keep each input fast; the limits themselves are code
     * worth fuzzing. */
    opts.max_file_size = 1 << 16;
    opts.max_include_depth = 8;
    const char *root = part_names[0];
    (void)zidl_compile(&opts, &root, 1);
    return 0;
}
