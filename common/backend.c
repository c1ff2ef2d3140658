/* What every backend shares (see backend.h). */
#include "backend.h"

#include "banned.h"

void sp_backend_free(sp_backend *b)
{
	if (b)
		b->ops->free(b);
}
