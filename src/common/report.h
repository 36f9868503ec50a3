/*
 * report.h - the human-readable summary of a profile that an operator
 * pastes into a ticket (VMX control bits by name, as vmxcap prints them).
 */
#ifndef MIGCOMPAT_REPORT_H
#define MIGCOMPAT_REPORT_H

#include <stdio.h>

#include "profile.h"

/*
 * Print the summary of p to f.  label names the source (a file) or NULL.
 * What the profile says (host id, hostname, kernel, CPU, layer reasons)
 * and the label are escaped as log_vis_print() escapes them.
 */
void report_profile(FILE *f, const struct profile *p, const char *label);

/* Print the decoded VMX MSRs of a set (used for raw and eVMCS views). */
void report_vmx(FILE *f, const struct vmx_msrs *m, const char *indent);

#endif
