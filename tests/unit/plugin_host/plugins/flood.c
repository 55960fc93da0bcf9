/* emits 10^6 findings, ignoring the host saying stop */
#define BROKEN_NAME "flood"
#define BROKEN_ANALYZE { (void)state; (void)in; for (int i = 0; i < 1000000; i++) { airlock_finding_t f = { sizeof f, "flood.x", AIRLOCK_SEV_LOW, "f", 1, "m", "evidence-evidence" }; g_host->emit_finding(g_host->ctx, &f); } return 0; }
#include "broken.h"
