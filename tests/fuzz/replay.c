/* Runs every file of the given corpus directories (or files) through a fuzz
 * target once. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "spaceconfig.h"

#include "banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
	sp_buf data = SP_BUF_INIT;
	int error;

	if ((error = sp_buf_read_file(&data, path, 2 * SP_README_MAX_SIZE)) <
	    0) {
		fprintf(stderr, "replay: cannot read %s\n", path);
		return error;
	}
	LLVMFuzzerTestOneInput((const uint8_t *)data.ptr, data.size);
	sp_buf_dispose(&data);
	return 0;
}

int main(int argc, char **argv)
{
	size_t count = 0;
	int i, failed = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s CORPUS-DIR-OR-FILE...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		struct stat st;
		DIR *dir;
		struct dirent *entry;

		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "replay: no such file %s\n", argv[i]);
			failed = 1;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			failed |= replay_file(argv[i]) < 0;
			count++;
			continue;
		}
		if (!(dir = opendir(argv[i]))) {
			failed = 1;
			continue;
		}
		while ((entry = readdir(dir))) {
			sp_buf path = SP_BUF_INIT;

			if (entry->d_name[0] == '.')
				continue;
			sp_buf_printf(&path, "%s/%s", argv[i], entry->d_name);
			if (stat(path.ptr, &st) == 0 && S_ISREG(st.st_mode)) {
				failed |= replay_file(path.ptr) < 0;
				count++;
			}
			sp_buf_dispose(&path);
		}
		closedir(dir);
	}
	printf("replay: %zu inputs, %s\n", count, failed ? "FAILED" : "ok");
	return failed || count == 0 ? 1 : 0;
}
