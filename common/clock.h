/*
 * clock.h: the clocks Airlock reads, one way each. Monotonic time for
 * deadlines, timeouts and durations (never goes back); wall-clock time for
 * what is shown or stored (timestamps in events and rows).
 */
#ifndef AIRLOCK_CLOCK_H
#define AIRLOCK_CLOCK_H

#include <stdint.h>

/* CLOCK_MONOTONIC in milliseconds / microseconds. */
uint64_t al_mono_ms(void);
uint64_t al_mono_us(void);

/* CLOCK_REALTIME in microseconds since the epoch. */
uint64_t al_wall_us(void);

#endif
