/*
 * hostid.h - host ids: the name a host's profile is stored and asked for
 * under, checked alike by the store, the API, the daemon and the CLI.
 */
#ifndef MIGCOMPAT_HOSTID_H
#define MIGCOMPAT_HOSTID_H

/*
 * Nonzero if id is acceptable as a host id: 1 to 127 bytes of
 * [A-Za-z0-9._:-], not starting with '.' or '-'.
 */
int hostid_valid(const char *id);

#endif
