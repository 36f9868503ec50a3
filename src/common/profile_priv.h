/*
 * profile_priv.h - what profile.c, profile_json.c and profile_parse.c
 * share; not an interface for other modules.
 */
#ifndef MIGCOMPAT_PROFILE_PRIV_H
#define MIGCOMPAT_PROFILE_PRIV_H

#include "profile.h"

/* The JSON names of the eVMCS views, by enum evmcs_view. */
extern const char *const profile_view_names[EVMCS_VIEW_NUM];

#endif
