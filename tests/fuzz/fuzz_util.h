/* fuzz_util.h: what the fuzz targets share. The loaders under test read files, so each input is
 * written to a private scratch directory (in /dev/shm when it exists: memory, fast) and the loader
 * is pointed at it. The same target source builds two ways: with libFuzzer (-DVIXRISK_FUZZ=ON,
 * clang, -fsanitize=fuzzer) and, for ctest, with replay_main.c, which feeds it the committed seed
 * corpus and regression inputs. */
#ifndef VIXRISK_FUZZ_UTIL_H
#define VIXRISK_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The scratch directory, made on first use (process lifetime; removed by fuzz_cleanup at exit). */
static char fuzz_dir[256];

static inline void fuzz_cleanup(void)
{
    if (fuzz_dir[0] != '\0') {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", fuzz_dir);
        if (system(cmd) != 0)
            fprintf(stderr, "fuzz: could not remove %s\n", fuzz_dir);
    }
}

static inline const char *fuzz_scratch(void)
{
    if (fuzz_dir[0] == '\0') {
        const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : (getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
        snprintf(fuzz_dir, sizeof fuzz_dir, "%s/vixrisk-fuzz-XXXXXX", base);
        if (mkdtemp(fuzz_dir) == NULL) {
            perror("fuzz: mkdtemp");
            abort();
        }
        atexit(fuzz_cleanup);
    }
    return fuzz_dir;
}

/* Write data to scratch/name and return its path (a static buffer per slot 0..5). */
static inline const char *fuzz_write(int slot, const char *name, const uint8_t *data, size_t size)
{
    static char paths[6][512];
    snprintf(paths[slot], sizeof paths[slot], "%s/%s", fuzz_scratch(), name);
    FILE *f = fopen(paths[slot], "wb");
    if (f == NULL || (size > 0 && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        perror(paths[slot]);
        abort();
    }
    return paths[slot];
}

#endif
