/* api_test.c - zidl_compile() called as a library: return values, the
 * diagnostic callback, limits, and hostile input. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "zidl/zidl.h"

#include "expect.h"

/* Everything the callback received. */
typedef struct captured {
    char text[1 << 16];
    size_t len;
    int calls;
} captured;

static void capture(void *user, const char *text)
{
    captured *c = user;
    size_t n = strlen(text);
    if (c->len + n < sizeof c->text) {
        memcpy(c->text + c->len, text, n + 1);
        c->len += n;
    }
    c->calls++;
}

static int count(const char *haystack, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(haystack, needle); p != NULL; p = strstr(p + 1, needle))
        n++;
    return n;
}

static const char *work_dir;

static const char *write_schema(const char *name, const char *text, size_t len)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s/%s", work_dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(text, 1, len, f) != len || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
    return path;
}

static int compile_text(const char *name, const char *text, size_t len, zidl_options *opts,
                        captured *c)
{
    const char *path = write_schema(name, text, len);
    memset(c, 0, sizeof *c);
    opts->on_diagnostic = capture;
    opts->user = c;
    return zidl_compile(opts, &path, 1);
}

static void test_defaults(void)
{
    zidl_options opts;
    zidl_options_init(&opts);
    EXPECT(opts.output_dir == NULL);
    EXPECT(opts.max_errors_per_file == 20);
    EXPECT(opts.max_nesting == 64);
    EXPECT(!opts.skeleton && !opts.color && opts.depfile == NULL);
}

static void test_success_writes_outputs(void)
{
    static const char schema[] = "package ok;\nmessage Hi { u8 x; }\nactor A { on Hi; }\n";
    char out[4096];
    snprintf(out, sizeof out, "%s/ok_out", work_dir);
    zidl_options opts;
    zidl_options_init(&opts);
    opts.output_dir = out;
    opts.skeleton = true;
    captured c;
    EXPECT(compile_text("ok.zidl", schema, sizeof schema - 1, &opts, &c) == 0);
    EXPECT(c.calls == 0);
    const char *names[] = {"ok.zidl.h", "ok.zidl.c", "ok_actors.c"};
    for (size_t i = 0; i < 3; i++) {
        char path[8192];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", out, names[i]);
        EXPECT(stat(path, &st) == 0 && st.st_size > 0);
    }
}

static void test_every_error_is_counted(void)
{
    static const char schema[] = "message A { u32 x; u32 x; }\n"
                                 "message B { Nope n; }\n"
                                 "actor C { on D; }\n";
    zidl_options opts;
    zidl_options_init(&opts);
    captured c;
    int errors = compile_text("three.zidl", schema, sizeof schema - 1, &opts, &c);
    EXPECT(errors == 3);
    EXPECT(count(c.text, ": error: ") == 3);
    EXPECT(count(c.text, ": note: ") == 1);
    EXPECT(strstr(c.text, "three.zidl:2:13: error: unknown type 'Nope'\n") != NULL);
    EXPECT(strstr(c.text, "\033[") == NULL); /* colour is off unless asked for */
}

static void test_colour_when_asked(void)
{
    static const char schema[] = "message A { u32 x }\n";
    zidl_options opts;
    zidl_options_init(&opts);
    opts.color = true;
    captured c;
    EXPECT(compile_text("colour.zidl", schema, sizeof schema - 1, &opts, &c) == 1);
    EXPECT(strstr(c.text, "\033[1;31merror: \033[0m") != NULL);
}

static void test_error_limit(void)
{
    char schema[4096] = "";
    for (int i = 0; i < 30; i++)
        strcat(schema, "message M { u32 @; }\n");
    zidl_options opts;
    zidl_options_init(&opts);
    opts.max_errors_per_file = 5;
    captured c;
    int errors = compile_text("limit.zidl", schema, strlen(schema), &opts, &c);
    EXPECT(errors == 6); /* five, then "too many errors" */
    EXPECT(count(c.text, "error: ") == 6);
    EXPECT(strstr(c.text, "limit.zidl: error: too many errors, giving up on this file\n") != NULL);
}

static void test_nesting_limit(void)
{
    char schema[8192] = "struct S0 { u8 x; }\n";
    for (int i = 1; i < 100; i++) {
        char line[64];
        snprintf(line, sizeof line, "struct S%d { S%d inner; }\n", i, i - 1);
        strcat(schema, line);
    }
    zidl_options opts;
    zidl_options_init(&opts);
    opts.max_nesting = 10;
    captured c;
    EXPECT(compile_text("deep.zidl", schema, strlen(schema), &opts, &c) == 1);
    EXPECT(strstr(c.text, "struct 'S10' nests structs more than 10 levels deep") != NULL);
}

static void test_random_garbage(void)
{
    size_t len = 1 << 20;
    char *junk = malloc(len);
    unsigned state = 12345;
    for (size_t i = 0; i < len; i++) {
        state = state * 1103515245u + 12345u;
        junk[i] = (char)(state >> 16);
    }
    zidl_options opts;
    zidl_options_init(&opts);
    captured c;
    int errors = compile_text("junk.zidl", junk, len, &opts, &c);
    EXPECT(errors >= 1 && errors <= 21);
    free(junk);
}

static void test_file_size_limit(void)
{
    static const char schema[] = "message A { u32 x; }\n";
    zidl_options opts;
    zidl_options_init(&opts);
    opts.max_file_size = 8;
    opts.program_name = "tool";
    captured c;
    EXPECT(compile_text("big.zidl", schema, sizeof schema - 1, &opts, &c) == 1);
    EXPECT(strstr(c.text, "tool: error: cannot read '") != NULL);
    EXPECT(strstr(c.text, "larger than the limit of 8 bytes") != NULL);
}

static void test_include_depth(void)
{
    /* d0 imports d1 ... imports d6: six levels of imports. */
    for (int i = 0; i <= 6; i++) {
        char name[32], text[128];
        snprintf(name, sizeof name, "d%d.zidl", i);
        if (i < 6)
            snprintf(text, sizeof text, "import \"d%d.zidl\";\nstruct S%d { S%d inner; }\n", i + 1,
                     i, i + 1);
        else
            snprintf(text, sizeof text, "struct S6 { u8 x; }\n");
        write_schema(name, text, strlen(text));
    }
    char root[4096];
    snprintf(root, sizeof root, "%s/d0.zidl", work_dir);
    const char *files[] = {root};
    zidl_options opts;
    zidl_options_init(&opts);
    EXPECT(opts.max_include_depth == 64);
    opts.dry_run = true;
    captured c;
    memset(&c, 0, sizeof c);
    opts.on_diagnostic = capture;
    opts.user = &c;
    opts.max_include_depth = 6;
    EXPECT(zidl_compile(&opts, files, 1) == 0);
    opts.max_include_depth = 5;
    EXPECT(zidl_compile(&opts, files, 1) == 1);
    EXPECT(strstr(c.text, "d5.zidl:1:1: error: imports nested more than 5 deep\n") != NULL);
}

/* In-memory schemas for the reader callback. */
typedef struct memory_file {
    const char *path;
    const char *text;
} memory_file;

static const memory_file memory_files[] = {
    {"app/top.zidl", "package app;\nimport \"lib/../common.zidl\";\nimport \"extra.zidl\";\n"
                     "message M { common.Tag t; X x; }\nactor A { on M; }\n"},
    {"app/common.zidl", "package common;\nstruct Tag { u8 x; }\n"},
    {"inc/extra.zidl", "struct X { u8 y; }\n"},
    {"loop/a.zidl", "import \"./b.zidl\";\nstruct A { u8 x; }\n"},
    {"loop/b.zidl", "import \"a.zidl\";\nstruct B { u8 x; }\n"},
};

static int read_memory(void *user, const char *path, char **text, size_t *length)
{
    captured *c = user;
    c->calls++;
    for (size_t i = 0; i < sizeof memory_files / sizeof memory_files[0]; i++) {
        if (strcmp(memory_files[i].path, path) != 0)
            continue;
        *length = strlen(memory_files[i].text);
        *text = malloc(*length);
        memcpy(*text, memory_files[i].text, *length);
        return 0;
    }
    return ENOENT;
}

typedef struct listed {
    char paths[8][64];
    int count;
} listed;

static listed outputs_seen;

static void list_output(void *user, const char *path)
{
    (void)user;
    if (outputs_seen.count < 8)
        snprintf(outputs_seen.paths[outputs_seen.count++], 64, "%s", path);
}

static void test_in_memory_run(void)
{
    static const char *const include_dirs[] = {"inc"};
    zidl_options opts;
    zidl_options_init(&opts);
    opts.read_file = read_memory;
    opts.dry_run = true;
    opts.on_output = list_output;
    opts.include_dirs = include_dirs;
    opts.include_dir_count = 1;
    opts.output_dir = "never/written";
    captured c;
    memset(&c, 0, sizeof c);
    opts.on_diagnostic = capture;
    opts.user = &c;
    const char *top[] = {"app/top.zidl"};
    memset(&outputs_seen, 0, sizeof outputs_seen);
    EXPECT(zidl_compile(&opts, top, 1) == 0);
    EXPECT(c.len == 0);
    EXPECT(outputs_seen.count == 6);
    EXPECT(strcmp(outputs_seen.paths[0], "never/written/top.zidl.h") == 0);
    EXPECT(strcmp(outputs_seen.paths[5], "never/written/extra.zidl.c") == 0);
    struct stat st;
    EXPECT(stat("never", &st) != 0);

    const char *loop[] = {"loop/a.zidl"};
    memset(&c, 0, sizeof c);
    EXPECT(zidl_compile(&opts, loop, 1) == 1);
    EXPECT(strstr(c.text, "loop/b.zidl:1:1: error: import cycle: 'loop/a.zidl' -> "
                          "'loop/b.zidl' -> 'loop/a.zidl'\n") != NULL);
}

static void test_warning_options(void)
{
    static const char schema[] = "message Unused { u8 x; }\nactor A { on start; }\n";
    zidl_options opts;
    zidl_options_init(&opts);
    opts.dry_run = true;
    captured c;
    EXPECT(compile_text("warn.zidl", schema, sizeof schema - 1, &opts, &c) == 0);
    EXPECT(count(c.text, ": warning: ") == 1);
    opts.warnings_as_errors = true;
    EXPECT(compile_text("warn.zidl", schema, sizeof schema - 1, &opts, &c) == 1);
    EXPECT(count(c.text, ": error: ") == 1 && count(c.text, "[-Werror]") == 1);
    opts.warnings_as_errors = false;
    opts.no_warnings = true;
    EXPECT(compile_text("warn.zidl", schema, sizeof schema - 1, &opts, &c) == 0);
    EXPECT(c.len == 0);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s WORK_DIR\n", argv[0]);
        return 2;
    }
    work_dir = argv[1];
    mkdir(work_dir, 0777);
    test_defaults();
    test_success_writes_outputs();
    test_every_error_is_counted();
    test_colour_when_asked();
    test_error_limit();
    test_nesting_limit();
    test_random_garbage();
    test_file_size_limit();
    test_include_depth();
    test_in_memory_run();
    test_warning_options();
    if (test_failures == 0)
        puts("all zidl API tests passed");
    return test_failures == 0 ? 0 : 1;
}
