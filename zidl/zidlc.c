/* zidlc.c - the command line around the zidl library. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zidl/zidl.h"

static const char usage[] =
    "Usage: zidlc [-o OUTDIR] [-I DIR]... [--depfile FILE] [--skeleton] FILE.zidl...\n"
    "\n"
    "Compiles ZActor schemas: for each room.zidl, and each file it imports,\n"
    "writes room.zidl.h and room.zidl.c into OUTDIR (default: the current\n"
    "directory).\n"
    "\n"
    "Options:\n"
    "  -o OUTDIR        write the outputs into OUTDIR (created if missing)\n"
    "  -I DIR           search DIR for imported schemas (after the importing\n"
    "                   file's folder)\n"
    "  --depfile FILE   write a Make-style depfile naming every file read\n"
    "  --skeleton       also write room_actors.c with an empty body per handler\n"
    "  --list-outputs   write nothing; print the path of every output file\n"
    "  --check-compat OLD.zidl NEW.zidl\n"
    "                   write nothing; report every change from OLD to NEW\n"
    "                   that breaks the wire (exit 1 when there is one)\n"
    "  --list-local-only\n"
    "                   write nothing; print every message that holds a ptr\n"
    "                   and so has no wire form (file:line:col: name)\n"
    "  -Werror          treat warnings as errors\n"
    "  -w               do not report warnings\n"
    "  --help           print this help and exit\n"
    "  --version        print the version and exit\n";

static void print_diagnostic(void *user, const char *text)
{
    (void)user;
    fputs(text, stderr);
}

static void print_local_only(void *user, const char *path, int line, int col, const char *name)
{
    (void)user;
    printf("%s:%d:%d: local-only message '%s'\n", path, line, col, name);
}

static void print_output(void *user, const char *path)
{
    (void)user;
    puts(path);
}

/* "zidlc: error: <message> '<arg>'" (arg may be NULL) and a hint; returns
 * the exit status. */
static int usage_error(const char *message, const char *arg)
{
    if (arg != NULL)
        fprintf(stderr, "zidlc: error: %s '%s'\n", message, arg);
    else
        fprintf(stderr, "zidlc: error: %s\n", message);
    fputs("Try 'zidlc --help' for more information.\n", stderr);
    return 1;
}

/* The value of an option given as "-o DIR", "-oDIR", "--depfile FILE" or
 * "--depfile=FILE"; NULL when it is missing. */
static const char *option_value(int argc, char **argv, int *i, size_t name_len)
{
    const char *arg = argv[*i];
    if (arg[name_len] == '=' && arg[1] == '-')
        return arg + name_len + 1;
    if (arg[name_len] != '\0' && arg[1] != '-')
        return arg + name_len;
    if (*i + 1 >= argc)
        return NULL;
    return argv[++*i];
}

int main(int argc, char **argv)
{
    zidl_options opts;
    zidl_options_init(&opts);
    opts.on_diagnostic = print_diagnostic;
    opts.color = isatty(STDERR_FILENO) != 0;
    opts.program_name = "zidlc";

    const char **include_dirs = calloc((size_t)argc, sizeof *include_dirs);
    const char **inputs = calloc((size_t)argc, sizeof *inputs);
    if (include_dirs == NULL || inputs == NULL) {
        fputs("zidlc: error: out of memory\n", stderr);
        return 1;
    }
    size_t input_count = 0;
    bool only_files = false;
    bool check_compat = false;
    int status = -1;
    for (int i = 1; i < argc && status < 0; i++) {
        const char *arg = argv[i];
        if (only_files || arg[0] != '-' || arg[1] == '\0') {
            inputs[input_count++] = arg;
        } else if (strcmp(arg, "--") == 0) {
            only_files = true;
        } else if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            fputs(usage, stdout);
            status = 0;
        } else if (strcmp(arg, "--version") == 0) {
            puts("zidlc " ZIDL_VERSION_STRING);
            status = 0;
        } else if (strcmp(arg, "--skeleton") == 0) {
            opts.skeleton = true;
        } else if (strcmp(arg, "--list-outputs") == 0) {
            opts.dry_run = true;
            opts.on_output = print_output;
        } else if (strcmp(arg, "--list-local-only") == 0) {
            opts.dry_run = true;
            opts.on_local_only = print_local_only;
        } else if (strcmp(arg, "--check-compat") == 0) {
            check_compat = true;
        } else if (strcmp(arg, "-Werror") == 0) {
            opts.warnings_as_errors = true;
        } else if (strcmp(arg, "-w") == 0) {
            opts.no_warnings = true;
        } else if (strncmp(arg, "-o", 2) == 0) {
            if ((opts.output_dir = option_value(argc, argv, &i, 2)) == NULL)
                status = usage_error("missing directory after", arg);
        } else if (strncmp(arg, "-I", 2) == 0) {
            const char *dir = option_value(argc, argv, &i, 2);
            if (dir == NULL)
                status = usage_error("missing directory after", arg);
            else
                include_dirs[opts.include_dir_count++] = dir;
        } else if (strncmp(arg, "--depfile", 9) == 0 && (arg[9] == '\0' || arg[9] == '=')) {
            if ((opts.depfile = option_value(argc, argv, &i, 9)) == NULL)
                status = usage_error("missing file name after", arg);
        } else {
            status = usage_error("unknown option", arg);
        }
    }
    if (status < 0 && input_count == 0)
        status = usage_error("no input files", NULL);
    if (status < 0 && check_compat) {
        opts.include_dirs = include_dirs;
        if (input_count != 2)
            status = usage_error("--check-compat takes two files, OLD and NEW", NULL);
        else
            status = zidl_check_compat(&opts, inputs[0], inputs[1]) == 0 ? 0 : 1;
    }
    if (status < 0) {
        opts.include_dirs = include_dirs;
        status = zidl_compile(&opts, inputs, input_count) == 0 ? 0 : 1;
    }
    free(include_dirs);
    free(inputs);
    return status;
}
