/*
 * tap.h - Test Anything Protocol output for the C unit tests.
 *
 * tap_ok() prints "ok N - ..." or "not ok N - ..."; tap_skip() prints a
 * skipped test; tap_done() prints the plan and returns the exit status.
 * tap_fixtures() is the directory of the test data (tests/fixtures, passed
 * by the build as MIGCOMPAT_FIXTURES); without it the test bails out.
 */
#ifndef MIGCOMPAT_TAP_H
#define MIGCOMPAT_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int tap_count, tap_failed;

__attribute__((format(printf, 2, 3), unused)) static int
tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_count++;
	printf("%sok %d - ", cond ? "" : "not ", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		tap_failed++;
	fflush(stdout);
	return cond;
}

__attribute__((format(printf, 1, 2), unused)) static void
tap_skip(const char *fmt, ...)
{
	va_list ap;

	tap_count++;
	printf("ok %d # SKIP ", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

__attribute__((format(printf, 1, 2), unused)) static void
tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

__attribute__((unused)) static const char *
tap_fixtures(void)
{
	const char *d = getenv("MIGCOMPAT_FIXTURES");

	if (d == NULL || *d == '\0' || access(d, R_OK | X_OK) != 0) {
		printf("Bail out! test data not found (MIGCOMPAT_FIXTURES=%s)\n", d != NULL ? d : "unset");
		exit(1);
	}
	return d;
}

__attribute__((unused)) static int
tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed == 0 ? 0 : 1;
}

#endif
