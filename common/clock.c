/*
 * clock.c: monotonic and wall-clock readings (common/clock.h). Owns nothing.
 */
#include "common/clock.h"

#include <time.h>

static uint64_t s_read_us(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t al_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t al_mono_us(void)
{
    return s_read_us(CLOCK_MONOTONIC);
}

uint64_t al_wall_us(void)
{
    return s_read_us(CLOCK_REALTIME);
}
