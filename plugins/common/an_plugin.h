/*
 * an_plugin.h: glue between an analyzer core (an_core.h) and the plugin ABI
 * (airlock_plugin.h), shared by every built-in analyzer plugin.
 *
 * AN_PLUGIN_DEFINE(name, version, analyzer) expands, in the plugin's one
 * source file, to init/analyze/fini functions and the exported
 * airlock_plugin_descriptor(). The plugin asks for AIRLOCK_CAP_PATCH |
 * AIRLOCK_CAP_PARSED (the host's libgit2-parsed model: every hunk line,
 * binary post-images); init copies the host table into memory from
 * host->alloc; analyze runs the core over the host's input with
 * an_run_input() (an_input.h); fini frees the state with host->free.
 *
 * AN_PLUGIN_DEFINE_CAPS(name, version, caps, analyzer) is the same with
 * explicit capabilities: an analyzer with a `command` scanner adds
 * AIRLOCK_CAP_COMMANDS, and analyze then also runs that scanner over every
 * job command the host passes, labelled by an_command_label().
 *
 * Findings are converted to airlock_finding_t; the evidence (the matched text
 * only) is copied into a NUL-terminated buffer bounded by
 * AIRLOCK_MAX_EVIDENCE. When the host answers AIRLOCK_E_LIMIT the scan stops
 * and analyze returns 0, as the ABI asks.
 */
#ifndef AIRLOCK_AN_PLUGIN_H
#define AIRLOCK_AN_PLUGIN_H

#include "airlock_plugin.h"
#include "an_core.h"

int an_plugin_init(const airlock_host_t *host, void **state);
int an_plugin_analyze(void *state, const airlock_input_t *input, const an_analyzer_t *a);
void an_plugin_fini(void *state);

#define AN_PLUGIN_DEFINE(name_, version_, analyzer_)                                   \
    AN_PLUGIN_DEFINE_CAPS(name_, version_, AIRLOCK_CAP_PATCH | AIRLOCK_CAP_PARSED, analyzer_)

#define AN_PLUGIN_DEFINE_CAPS(name_, version_, caps_, analyzer_)                       \
    static int s_plugin_init(const airlock_host_t *host, void **state)                 \
    {                                                                                  \
        return an_plugin_init(host, state);                                            \
    }                                                                                  \
    static int s_plugin_analyze(void *state, const airlock_input_t *input)             \
    {                                                                                  \
        return an_plugin_analyze(state, input, &(analyzer_));                          \
    }                                                                                  \
    static void s_plugin_fini(void *state) { an_plugin_fini(state); }                  \
    static const airlock_plugin_t s_plugin_desc = AIRLOCK_PLUGIN_INIT(                 \
        name_, version_, (caps_), s_plugin_init, s_plugin_analyze,                     \
        s_plugin_fini);                                                                \
    const airlock_plugin_t *airlock_plugin_descriptor(void) { return &s_plugin_desc; }

#endif
