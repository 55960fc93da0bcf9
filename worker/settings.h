/*
 * settings.h: airlock-worker's configuration table (common/config.h).
 */
#ifndef AIRLOCK_WORKER_SETTINGS_H
#define AIRLOCK_WORKER_SETTINGS_H

#include "common/config.h"

extern const al_config_def_t worker_settings[];
extern const size_t worker_settings_count;

#endif
