/* model_patch.c: the model plugin without AIRLOCK_CAP_PARSED: it must see
 * no hunk lines and no binary post-images. */
#define MODEL_NAME "model_patch"
#define MODEL_CAPS AIRLOCK_CAP_PATCH
#include "model.c"
