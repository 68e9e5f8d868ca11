/*
 * replay: run a fuzz target over files without libFuzzer, printing TAP
 * ("ok N - file").  make check uses it to replay the seed corpus with the
 * normal (and the sanitizer) build; a crash or an abort from FUZZ_CHECK
 * fails the test.  usage: replay_<target> [FILE-OR-DIR...]; without
 * arguments the target's corpus (REPLAY_CORPUS, set by fuzz/fuzz.am) is used.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

#include "fuzz.h"

#define REPLAY_MAX_INPUT (1 << 20)

static int
run_file(const char *path, int *n)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = malloc(REPLAY_MAX_INPUT);
	size_t len;

	if (f == NULL || buf == NULL) {
		printf("not ok %d - %s: %s\n", ++*n, path, strerror(errno));
		if (f != NULL)
			fclose(f);
		free(buf);
		return -1;
	}
	len = fread(buf, 1, REPLAY_MAX_INPUT, f);
	fclose(f);
	(void)LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	printf("ok %d - %s\n", ++*n, path);
	return 0;
}

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
run_dir(const char *dir, int *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL, path[4096];
	size_t cnt = 0;
	int rc = 0;

	if (d == NULL)
		return run_file(dir, n);
	while ((e = readdir(d)) != NULL) {
		char **nn;

		if (e->d_name[0] == '.')
			continue;
		nn = realloc(names, (cnt + 1) * sizeof(*names));
		if (nn == NULL)
			break;
		names = nn;
		names[cnt++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, cnt, sizeof(*names), cmp);
	for (size_t i = 0; i < cnt; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (names[i] == NULL || run_file(path, n) == -1)
			rc = -1;
		free(names[i]);
	}
	free(names);
	return rc;
}

int
main(int argc, char **argv)
{
	int n = 0, rc = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2 && run_dir(REPLAY_CORPUS, &n) == -1)
		rc = 1;
	for (int i = 1; i < argc; i++)
		if (run_dir(argv[i], &n) == -1)
			rc = 1;
	if (n == 0) {
		printf("not ok 1 - no inputs in the corpus\n");
		n = 1;
		rc = 1;
	}
	printf("1..%d\n", n);
	return rc;
}
