/*
 * bench_egress.h: the in-sandbox half of bench_egress (bench_egress_vm.c).
 */
#ifndef AIRLOCK_BENCH_EGRESS_H
#define AIRLOCK_BENCH_EGRESS_H

#include <stdint.h>

/* Runs the transfers inside a `driver` sandbox bound to proxy_path; prints
 * them and their ratios to the host's direct medians. 0 or 1. */
int bench_egress_vm(const char *driver, const char *proxy_path, const char *token, uint64_t bytes, int runs,
                    int small, double direct_mbs, double direct_small_us);

#endif
