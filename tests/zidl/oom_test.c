/* oom_test.c - zidl_compile() running out of memory at every allocation in
 * turn.
 *
 * zidl.h promises that the library never prints and never exits: out of
 * memory must come back as ZIDL_ENOMEM, with nothing written and nothing
 * leaked. Through the allocate hook, each run fails its Nth allocation, for
 * N = 1, 2, ... until a run gets through. Every run must leave no block of
 * the hook's allocated (counted here, and under ASan checked again by
 * LeakSanitizer, which also sees the scanner, the parser and read_file),
 * and a failed run must write no output nor depfile and report only
 * `oom_test: error: out of memory`. The sweep is done three ways: the
 * schemas read from disk, served by a reader, and a schema with errors
 * (whose last run returns its error count); then zidl_check_compat(). */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zidl/zidl.h"

#include "expect.h"

/* The state of one run, the user pointer of every callback. */
typedef struct run_state {
    unsigned long attempts; /* allocations (and growths) asked for */
    unsigned long fail_at;  /* the attempt that fails; 0: none */
    long live;              /* blocks allocated and not freed */
    char last[256];         /* the last diagnostic, cut short */
    int diagnostics;
} run_state;

static void *failing_allocate(void *user, void *block, size_t size)
{
    run_state *s = user;
    if (size == 0) {
        if (block != NULL)
            s->live--;
        free(block);
        return NULL;
    }
    if (++s->attempts == s->fail_at)
        return NULL;
    void *result = realloc(block, size);
    if (result != NULL && block == NULL)
        s->live++;
    return result;
}

static void remember(void *user, const char *text)
{
    run_state *s = user;
    snprintf(s->last, sizeof s->last, "%s", text);
    s->diagnostics++;
}

/* Serves the schemas from disk, the way a custom reader would. */
static int read_schema(void *user, const char *path, char **text, size_t *length)
{
    (void)user;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return errno;
    char *data = malloc(1 << 16);
    size_t n = data != NULL ? fread(data, 1, 1 << 16, f) : 0;
    fclose(f);
    if (data == NULL)
        return ENOMEM;
    *text = data;
    *length = n;
    return 0;
}

static bool exists(const char *dir, const char *name)
{
    char path[8192];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &st) == 0;
}

static void remove_outputs(const char *dir, const char *const *outputs, size_t count)
{
    char path[8192];
    for (size_t i = 0; i < count; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, outputs[i]);
        unlink(path);
    }
}

/* Runs schema with its Nth allocation failing for N = 1, 2, ... until a
 * run returns something else than ZIDL_ENOMEM, which must be expected;
 * returns the number of runs. */
static unsigned long sweep(const char *label, const char *schema, const char *out_dir,
                           bool with_reader, int expected, const char *const *outputs,
                           size_t output_count)
{
    char depfile[8192];
    snprintf(depfile, sizeof depfile, "%s/out.d", out_dir);
    unsigned long n = 0;
    for (;;) {
        n++;
        remove_outputs(out_dir, outputs, output_count);
        run_state state = {.fail_at = n};
        zidl_options opts;
        zidl_options_init(&opts);
        opts.output_dir = out_dir;
        opts.skeleton = true;
        opts.depfile = depfile;
        opts.allocate = failing_allocate;
        opts.on_diagnostic = remember;
        opts.read_file = with_reader ? read_schema : NULL;
        opts.program_name = "oom_test";
        opts.user = &state;
        int result = zidl_compile(&opts, &schema, 1);
        if (state.live != 0) {
            fprintf(stderr, "%s: N = %lu: %ld blocks leaked\n", label, n, state.live);
            test_failures++;
        }
        if (result != ZIDL_ENOMEM) {
            if (result != expected) {
                fprintf(stderr, "%s: N = %lu: result %d, expected %d\n", label, n, result,
                        expected);
                test_failures++;
            }
            EXPECT(state.attempts < n); /* it got through: nothing failed */
            break;
        }
        EXPECT(strcmp(state.last, "oom_test: error: out of memory\n") == 0);
        for (size_t i = 0; i < output_count; i++) {
            if (exists(out_dir, outputs[i])) {
                fprintf(stderr, "%s: N = %lu: '%s' was written\n", label, n, outputs[i]);
                test_failures++;
            }
        }
        if (n == 1000000) {
            fprintf(stderr, "%s: still out of memory after %lu runs\n", label, n);
            test_failures++;
            break;
        }
    }
    for (size_t i = 0; i < output_count && expected == 0; i++)
        EXPECT(exists(out_dir, outputs[i]));
    printf("%s: %lu runs, N = 1..%lu\n", label, n, n);
    return n;
}

/* zidl_check_compat() likewise: every run frees every block; the last
 * one gets through and reports the changes. */
static unsigned long sweep_compat(const char *old_file, const char *new_file, int expected)
{
    unsigned long n;
    for (n = 1;; n++) {
        run_state state = {0, n, 0, "", 0};
        zidl_options opts;
        zidl_options_init(&opts);
        opts.allocate = failing_allocate;
        opts.on_diagnostic = remember;
        opts.program_name = "oom_test";
        opts.user = &state;
        int result = zidl_check_compat(&opts, old_file, new_file);
        if (state.live != 0) {
            fprintf(stderr, "compat: N = %lu: %ld blocks leaked\n", n, state.live);
            test_failures++;
        }
        if (result != ZIDL_ENOMEM) {
            if (result != expected) {
                fprintf(stderr, "compat: N = %lu: result %d, expected %d\n", n, result, expected);
                test_failures++;
            }
            break;
        }
        EXPECT(strcmp(state.last, "oom_test: error: out of memory\n") == 0);
        if (n == 1000000) {
            fprintf(stderr, "compat: still out of memory after %lu runs\n", n);
            test_failures++;
            break;
        }
    }
    printf("compat: %lu runs, N = 1..%lu\n", n, n);
    return n;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: %s WORK_DIR GOOD_SCHEMA BAD_SCHEMA OLD_SCHEMA NEW_SCHEMA\n",
                argv[0]);
        return 2;
    }
    const char *work_dir = argv[1];
    mkdir(work_dir, 0777);
    char disk_dir[4096], reader_dir[4096], errors_dir[4096];
    snprintf(disk_dir, sizeof disk_dir, "%s/disk/out", work_dir);
    snprintf(reader_dir, sizeof reader_dir, "%s/reader/out", work_dir);
    snprintf(errors_dir, sizeof errors_dir, "%s/errors/out", work_dir);

    /* golden/imports/top.zidl imports common.zidl and lib/geo.zidl. */
    static const char *const outputs[] = {
        "top.zidl.h",      "top.zidl.c", "top_actors.c", "common.zidl.h", "common.zidl.c",
        "common_actors.c", "geo.zidl.h", "geo.zidl.c",   "geo_actors.c",  "out.d",
    };
    size_t count = sizeof outputs / sizeof outputs[0];
    unsigned long runs = sweep("disk", argv[2], disk_dir, false, 0, outputs, count);
    runs += sweep("reader", argv[2], reader_dir, true, 0, outputs, count);
    /* errors/import_error_in_imported.zidl: one error in each file. */
    runs += sweep("errors", argv[3], errors_dir, false, 2, outputs, count);
    /* compat/changes: twelve changes. */
    runs += sweep_compat(argv[4], argv[5], 12);
    printf("%lu runs in all\n", runs);
    if (test_failures == 0)
        puts("all zidl out-of-memory tests passed");
    return test_failures == 0 ? 0 : 1;
}
