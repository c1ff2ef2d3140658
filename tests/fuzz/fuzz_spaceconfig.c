/* Fuzz target: README bytes into the Space config validator, rendered too,
 * and again with sdk static served. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "diag.h"
#include "spaceconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sp_diag_list diags = SP_DIAG_LIST_INIT;
	sp_spaceconfig *config = NULL;
	sp_buf text = SP_BUF_INIT;
	size_t i;

	if (sp_spaceconfig_parse(&config, &diags, (const char *)data, size) ==
	        0 &&
	    (!config || diags.errors))
		__builtin_trap();
	if (config &&
	    (!config->sdk || config->app_port < 1 || config->app_port > 65535 ||
	     config->startup_timeout <= 0))
		__builtin_trap();
	sp_diag_render(&text, &diags, "README.md");
	for (i = 0; i < text.size; i++)
		if (text.ptr[i] == '\0')
			__builtin_trap();
	sp_buf_dispose(&text);
	sp_spaceconfig_free(config);
	sp_diag_list_dispose(&diags);

	/* With sdk static served, partly valid configs kept: only docker or
	 * static as the sdk, app_file with its position. */
	config = NULL;
	if (sp_spaceconfig_parse_with(&config, &diags, (const char *)data, size,
	                              SP_SPACECONFIG_STATIC |
	                                  SP_SPACECONFIG_PARTIAL) == 0 &&
	    (!config || diags.errors))
		__builtin_trap();
	if (config && config->sdk && strcmp(config->sdk, "docker") &&
	    strcmp(config->sdk, "static"))
		__builtin_trap();
	if (config && config->app_file && !config->app_file_line)
		__builtin_trap();
	sp_spaceconfig_free(config);
	sp_diag_list_dispose(&diags);
	return 0;
}
