/*
 * plugin_host_set.h: the inside of plugin_set_t, shared by set.c (building
 * the set) and run.c (running it). Internal to worker/plugin_host.
 */
#ifndef AIRLOCK_PLUGIN_HOST_SET_H
#define AIRLOCK_PLUGIN_HOST_SET_H

#include "worker/plugin_host/plugin_host_child.h"

typedef struct {
    char *path;
    char *name;
    char *version;
    uint64_t caps;
} plugin_entry_t;

struct plugin_set {
    plugin_entry_t *items;
    size_t n;
    plugin_limits_t limits;
    char *helper;              /* the analyzer host executable */
};

#endif
