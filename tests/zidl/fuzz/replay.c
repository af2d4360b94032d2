/* replay.c - runs the fuzz harness (zidl_fuzz.c) once on each file named on
 * the command line, without libFuzzer: the regression inputs are replayed
 * by every build, with its own sanitizers (LSan sees leaks at exit).
 *
 *   zidl_fuzz_replay FILE... */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *read_all(const char *path, size_t *size)
{
    FILE *file = fopen(path, "rb");
    if (!file)
        return NULL;
    uint8_t *data = NULL;
    size_t used = 0, capacity = 0;
    for (;;) {
        if (used == capacity) {
            capacity = capacity ? 2 * capacity : 4096;
            uint8_t *bigger = realloc(data, capacity);
            if (!bigger) {
                free(data);
                fclose(file);
                return NULL;
            }
            data = bigger;
        }
        size_t got = fread(data + used, 1, capacity - used, file);
        used += got;
        if (got == 0)
            break;
    }
    bool failed = ferror(file);
    fclose(file);
    if (failed) {
        free(data);
        return NULL;
    }
    *size = used;
    return data;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: zidl_fuzz_replay FILE...\n");
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        size_t size = 0;
        uint8_t *data = read_all(argv[i], &size);
        if (!data) {
            fprintf(stderr, "zidl_fuzz_replay: cannot read %s\n", argv[i]);
            return 1;
        }
        printf("replaying %s (%zu bytes)\n", argv[i], size);
        fflush(stdout); /* so that a crash report follows the file's name */
        (void)LLVMFuzzerTestOneInput(data, size);
        free(data);
    }
    return 0;
}
