/* Hugging Face's list of license ids, as a table. */
#include "licenses.h"

#include <string.h>

#include "banned.h"

/*
 * The table of Hugging Face's "Licenses" page, in its order: hub-docs
 * docs/hub/repositories-licenses.md (the "region licenses" table), commit
 * fd6cf1f56e1514af08c5a7262d9f79b3becb810d (2026-06-06), as of hub-docs
 * 242f4a1eeb867daf4ac3f44026a5df4a68908a3d. huggingface.js's `License` type
 * (packages/hub/src/types/public.ts, commit
 * fe42e68017ffc76d09922ea8f9b38a6964345710) lists a subset of it: all but
 * eupl-1.2, fair-noncommercial-research-license, grok2-community, h-research,
 * intel-research, llama4, openmdw-1.0 and openmdw-1.1.
 */
static const sp_license licenses[] = {
    {"apache-2.0", "Apache license 2.0"},
    {"mit", "MIT"},
    {"openrail", "OpenRAIL license family"},
    {"bigscience-openrail-m", "BigScience OpenRAIL-M"},
    {"creativeml-openrail-m", "CreativeML OpenRAIL-M"},
    {"bigscience-bloom-rail-1.0", "BigScience BLOOM RAIL 1.0"},
    {"bigcode-openrail-m", "BigCode Open RAIL-M v1"},
    {"afl-3.0", "Academic Free License v3.0"},
    {"artistic-2.0", "Artistic license 2.0"},
    {"bsl-1.0", "Boost Software License 1.0"},
    {"bsd", "BSD license family"},
    {"bsd-2-clause", "BSD 2-clause \"Simplified\" license"},
    {"bsd-3-clause", "BSD 3-clause \"New\" or \"Revised\" license"},
    {"bsd-3-clause-clear", "BSD 3-clause Clear license"},
    {"c-uda", "Computational Use of Data Agreement"},
    {"cc", "Creative Commons license family"},
    {"cc0-1.0", "Creative Commons Zero v1.0 Universal"},
    {"cc-by-2.0", "Creative Commons Attribution 2.0"},
    {"cc-by-2.5", "Creative Commons Attribution 2.5"},
    {"cc-by-3.0", "Creative Commons Attribution 3.0"},
    {"cc-by-4.0", "Creative Commons Attribution 4.0"},
    {"cc-by-sa-3.0", "Creative Commons Attribution Share Alike 3.0"},
    {"cc-by-sa-4.0", "Creative Commons Attribution Share Alike 4.0"},
    {"cc-by-nc-2.0", "Creative Commons Attribution Non Commercial 2.0"},
    {"cc-by-nc-3.0", "Creative Commons Attribution Non Commercial 3.0"},
    {"cc-by-nc-4.0", "Creative Commons Attribution Non Commercial 4.0"},
    {"cc-by-nd-4.0", "Creative Commons Attribution No Derivatives 4.0"},
    {"cc-by-nc-nd-3.0",
     "Creative Commons Attribution Non Commercial No Derivatives 3.0"},
    {"cc-by-nc-nd-4.0",
     "Creative Commons Attribution Non Commercial No Derivatives 4.0"},
    {"cc-by-nc-sa-2.0",
     "Creative Commons Attribution Non Commercial Share Alike 2.0"},
    {"cc-by-nc-sa-3.0",
     "Creative Commons Attribution Non Commercial Share Alike 3.0"},
    {"cc-by-nc-sa-4.0",
     "Creative Commons Attribution Non Commercial Share Alike 4.0"},
    {"cdla-sharing-1.0",
     "Community Data License Agreement – Sharing, Version 1.0"},
    {"cdla-permissive-1.0",
     "Community Data License Agreement – Permissive, Version 1.0"},
    {"cdla-permissive-2.0",
     "Community Data License Agreement – Permissive, Version 2.0"},
    {"wtfpl", "Do What The F*ck You Want To Public License"},
    {"ecl-2.0", "Educational Community License v2.0"},
    {"epl-1.0", "Eclipse Public License 1.0"},
    {"epl-2.0", "Eclipse Public License 2.0"},
    {"etalab-2.0", "Etalab Open License 2.0"},
    {"eupl-1.1", "European Union Public License 1.1"},
    {"eupl-1.2", "European Union Public License 1.2"},
    {"agpl-3.0", "GNU Affero General Public License v3.0"},
    {"gfdl", "GNU Free Documentation License family"},
    {"gpl", "GNU General Public License family"},
    {"gpl-2.0", "GNU General Public License v2.0"},
    {"gpl-3.0", "GNU General Public License v3.0"},
    {"lgpl", "GNU Lesser General Public License family"},
    {"lgpl-2.1", "GNU Lesser General Public License v2.1"},
    {"lgpl-3.0", "GNU Lesser General Public License v3.0"},
    {"isc", "ISC"},
    {"h-research", "H Research License"},
    {"intel-research", "Intel Research Use License Agreement"},
    {"lppl-1.3c", "LaTeX Project Public License v1.3c"},
    {"ms-pl", "Microsoft Public License"},
    {"apple-ascl", "Apple Sample Code license"},
    {"apple-amlr", "Apple Model License for Research"},
    {"mpl-2.0", "Mozilla Public License 2.0"},
    {"odc-by", "Open Data Commons License Attribution family"},
    {"odbl", "Open Database License family"},
    {"openmdw-1.0", "Open Model, Data & Weights License Agreement"},
    {"openmdw-1.1", "Open Model, Data & Weights License Agreement v1.1"},
    {"openrail++", "Open Rail++-M License"},
    {"osl-3.0", "Open Software License 3.0"},
    {"postgresql", "PostgreSQL License"},
    {"ofl-1.1", "SIL Open Font License 1.1"},
    {"ncsa", "University of Illinois/NCSA Open Source License"},
    {"unlicense", "The Unlicense"},
    {"zlib", "zLib License"},
    {"pddl", "Open Data Commons Public Domain Dedication and License"},
    {"lgpl-lr", "Lesser General Public License For Linguistic Resources"},
    {"deepfloyd-if-license", "DeepFloyd IF Research License Agreement"},
    {"fair-noncommercial-research-license",
     "FAIR Noncommercial Research License"},
    {"llama2", "Llama 2 Community License Agreement"},
    {"llama3", "Llama 3 Community License Agreement"},
    {"llama3.1", "Llama 3.1 Community License Agreement"},
    {"llama3.2", "Llama 3.2 Community License Agreement"},
    {"llama3.3", "Llama 3.3 Community License Agreement"},
    {"llama4", "Llama 4 Community License Agreement"},
    {"grok2-community", "Grok 2 Community License Agreement"},
    {"gemma", "Gemma Terms of Use"},
    {"unknown", "Unknown"},
    {"other", "Other"},
};

#define LICENSES_COUNT (sizeof(licenses) / sizeof(licenses[0]))

const sp_license *sp_license_find(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < LICENSES_COUNT; i++)
		if (strlen(licenses[i].id) == len &&
		    memcmp(licenses[i].id, s, len) == 0)
			return &licenses[i];
	return NULL;
}

size_t sp_license_count(void)
{
	return LICENSES_COUNT;
}

const sp_license *sp_license_get(size_t index)
{
	return index < LICENSES_COUNT ? &licenses[index] : NULL;
}
