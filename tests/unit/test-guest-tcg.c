/*
 * test-guest-tcg.c - the probe guest payload, for real, under QEMU's TCG
 * (no KVM): the image layout, the report parser, and three boots of the
 * image as a disk boot sector.
 *
 * QEMU 7.2's TCG answers every RDMSR at CPL 0 (unknown MSRs read as 0; it
 * raises #GP only for x2APIC MSRs outside x2APIC mode from QEMU 8 on), so
 * the fault path is driven by genuine CPU exceptions at the RDMSR's place:
 * the same image with the two-byte RDMSR swapped for SYSENTER (#GP(0) in
 * real mode, vector 13) and for UD2 (#UD, vector 6).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guestimg.h"
#include "tap.h"
#include "util.h"

#define QEMU_DEADLINE_MS	30000
#define ISA_DEBUG_EXIT_STATUS	((GUESTIMG_DONE_VALUE << 1) | 1)

static char tmpdir[256];

/* The QEMU binary: $QEMU_SYSTEM if set and executable, else PATH. */
static const char *
find_qemu(void)
{
	static char path[1024];
	const char *env = getenv("QEMU_SYSTEM"), *p, *end;

	if (env != NULL && env[0] != '\0' && access(env, X_OK) == 0)
		return env;
	for (p = getenv("PATH"); p != NULL && *p != '\0'; p = *end ? end + 1 : end) {
		end = strchr(p, ':');
		if (end == NULL)
			end = p + strlen(p);
		snprintf(path, sizeof(path), "%.*s/qemu-system-x86_64", (int)(end - p), p);
		if (access(path, X_OK) == 0)
			return path;
	}
	return NULL;
}

static int
qemu_major(const char *qemu)
{
	char cmd[1200], line[256];
	int major = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "'%s' --version", qemu);
	if ((f = popen(cmd, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "QEMU emulator version %d", &major) == 1)
			break;
	pclose(f);
	return major;
}

/*
 * Boot img under TCG with the report port as a debugcon file.  Returns
 * QEMU's exit status (33 after the guest's isa-debug-exit write) or -1,
 * with the report in *out (caller frees) and its length in *len.
 */
static int
boot(const char *qemu, const uint8_t *img, uint8_t **out, size_t *len)
{
	char imgpath[512], outpath[512], drive[600], debugcon[600], exitdev[64];
	uint64_t deadline = util_now_ns() + (uint64_t)QEMU_DEADLINE_MS * 1000000u;
	int fd, status = 0, ret = -1;
	pid_t pid, r;

	*out = NULL;
	*len = 0;
	snprintf(imgpath, sizeof(imgpath), "%s/probe-guest.img", tmpdir);
	snprintf(outpath, sizeof(outpath), "%s/report.bin", tmpdir);
	unlink(outpath);
	if ((fd = open(imgpath, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1 ||
	    write(fd, img, GUESTIMG_SIZE) != GUESTIMG_SIZE || close(fd) == -1) {
		perror(imgpath);
		return -1;
	}
	snprintf(drive, sizeof(drive), "file=%s,format=raw,if=ide", imgpath);
	snprintf(debugcon, sizeof(debugcon), "file:%s", outpath);
	snprintf(exitdev, sizeof(exitdev), "isa-debug-exit,iobase=0x%x,iosize=0x04", GUESTIMG_DONE_PORT);
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 0);
		dup2(null, 1);
		execl(qemu, qemu, "-accel", "tcg", "-machine", "pc", "-cpu", "qemu64", "-m", "16",
		    "-nodefaults", "-display", "none", "-no-reboot", "-drive", drive,
		    "-debugcon", debugcon, "-device", exitdev, (char *)NULL);
		_exit(127);
	}
	for (;;) {
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if (util_now_ns() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			tap_diag("QEMU did not finish within %d ms", QEMU_DEADLINE_MS);
			goto cleanup;
		}
		poll(NULL, 0, 10);
	}
	if (WIFEXITED(status))
		ret = WEXITSTATUS(status);
	*out = (uint8_t *)util_read_file(outpath, 65536, len);
cleanup:
	unlink(outpath);
	unlink(imgpath);
	return ret;
}

static const struct guestimg_msr *
find(const struct guestimg_msr *m, size_t n, uint32_t index)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (m[i].index == index)
			return &m[i];
	return NULL;
}

/* Offset of the one RDMSR (0F 32) in the code part, or -1 unless exactly one. */
static int
rdmsr_offset(const uint8_t *img)
{
	int i, at = -1;

	for (i = 0; i + 1 < GUESTIMG_LIST_OFF; i++) {
		if (img[i] == 0x0f && img[i + 1] == 0x32) {
			if (at != -1)
				return -1;
			at = i;
		}
	}
	return at;
}

static void
test_layout(void)
{
	uint32_t idx[GUESTIMG_MAX_MSRS + 1];
	uint8_t img[GUESTIMG_SIZE];
	size_t i;

	for (i = 0; i <= GUESTIMG_MAX_MSRS; i++)
		idx[i] = 0x480 + (uint32_t)i;
	tap_ok(guestimg_payload_end - guestimg_payload == GUESTIMG_SIZE,
	    "the embedded payload is one %d-byte sector", GUESTIMG_SIZE);
	tap_ok(guestimg_build(idx, 3, img) == 0 && img[510] == 0x55 && img[511] == 0xaa,
	    "the image ends with the boot-sector signature");
	tap_ok(img[GUESTIMG_LIST_OFF] == 3 && img[GUESTIMG_LIST_OFF + 1] == 0 &&
	    img[GUESTIMG_LIST_OFF + 2] == 0x80 && img[GUESTIMG_LIST_OFF + 3] == 0x04 &&
	    img[GUESTIMG_LIST_OFF + 10] == 0x82, "the MSR list: 16-bit count, 32-bit indices, little-endian");
	tap_ok(guestimg_build(idx, GUESTIMG_MAX_MSRS, img) == 0 && img[510] == 0x55,
	    "%d MSRs fit without touching the signature", (int)GUESTIMG_MAX_MSRS);
	tap_ok(guestimg_build(idx, GUESTIMG_MAX_MSRS + 1, img) == -1, "one more is refused");
	tap_ok(rdmsr_offset(guestimg_payload) > 0, "the code holds exactly one RDMSR (at %d)",
	    rdmsr_offset(guestimg_payload));
	tap_ok(guestimg_payload[0] == 0xfa, "the guest starts with CLI");
}

static void
test_parse(void)
{
	uint8_t r[3 + 2 * GUESTIMG_RECORD_SIZE + 1];
	struct guestimg_msr m[4];
	char err[256];

	memset(r, 0, sizeof(r));
	r[0] = 'S';
	r[1] = 2;
	r[3] = 'M';
	r[4] = 0x80;
	r[5] = 0x04;
	r[8] = 0x04;
	r[15] = 0xda;
	r[3 + GUESTIMG_RECORD_SIZE] = 'A';
	r[3 + GUESTIMG_RECORD_SIZE + 1] = 0x91;
	r[3 + GUESTIMG_RECORD_SIZE + 2] = 0x04;
	r[sizeof(r) - 1] = 'E';
	tap_ok(guestimg_parse(r, sizeof(r), m, 4, err, sizeof(err)) == 2 && m[0].present &&
	    m[0].index == 0x480 && m[0].value == 0xda00000000000004ull && !m[1].present &&
	    m[1].index == 0x491 && m[1].value == 0, "parse: a read and an absent record");
	tap_ok(guestimg_parse(r, sizeof(r) - 1, m, 4, err, sizeof(err)) == -1 && strstr(err, "truncated"),
	    "parse: a report without its end is refused (%s)", err);
	tap_ok(guestimg_parse(r, sizeof(r), m, 1, err, sizeof(err)) == -1,
	    "parse: more records than room is refused (%s)", err);
	r[3] = 'X';
	tap_ok(guestimg_parse(r, sizeof(r), m, 4, err, sizeof(err)) == -1 && strstr(err, "tag"),
	    "parse: a bad record tag is refused (%s)", err);
	r[3] = 'M';
	r[sizeof(r) - 1] = 'Z';
	tap_ok(guestimg_parse(r, sizeof(r), m, 4, err, sizeof(err)) == -1 && strstr(err, "end record"),
	    "parse: a wrong end tag is refused (%s)", err);
	tap_ok(guestimg_parse(r, 0, m, 4, err, sizeof(err)) == -1, "parse: an empty report is refused");
}

int
main(void)
{
	/* APIC base, PAT, EFER, MTRRcap, PERF_STATUS, VMX_BASIC, PROCBASED2, x2APIC ID, bogus. */
	static const uint32_t list[] = {
		0x1b, 0x277, 0xc0000080, 0xfe, 0x198, 0x480, 0x48b, 0x802, 0x12345678,
	};
	const size_t n = sizeof(list) / sizeof(list[0]);
	struct guestimg_msr m[GUESTIMG_MAX_MSRS];
	const struct guestimg_msr *e;
	uint8_t img[GUESTIMG_SIZE], *out;
	const char *qemu, *tmp = getenv("TMPDIR");
	char err[256];
	size_t len, i;
	int st, cnt, at, major, allabsent;

	test_layout();
	test_parse();

	if ((qemu = find_qemu()) == NULL) {
		tap_skip("qemu-system-x86_64 is not installed: the payload cannot be booted under TCG");
		return tap_done();
	}
	major = qemu_major(qemu);
	snprintf(tmpdir, sizeof(tmpdir), "%s/test-guest-tcg.XXXXXX", tmp != NULL ? tmp : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}

	/* 1. The payload as the probe builds it. */
	guestimg_build(list, n, img);
	st = boot(qemu, img, &out, &len);
	tap_ok(st == ISA_DEBUG_EXIT_STATUS, "TCG: the guest ran to its exit write (QEMU %d, status %d)",
	    major, st);
	cnt = out != NULL ? guestimg_parse(out, len, m, GUESTIMG_MAX_MSRS, err, sizeof(err)) : -1;
	tap_ok(cnt == (int)n, "TCG: a complete report of %zu records (%s)", n, cnt == -1 ? err : "ok");
	if (cnt == (int)n) {
		for (i = 0; i < n && m[i].index == list[i]; i++)
			;
		tap_ok(i == n, "TCG: records in list order with the right indices");
		e = find(m, n, 0x1b);
		tap_ok(e != NULL && e->present && e->value == 0xfee00900ull,
		    "IA32_APIC_BASE: 0xfee00900 (base, enabled, BSP)");
		e = find(m, n, 0x277);
		tap_ok(e != NULL && e->present && e->value == 0x0007040600070406ull, "IA32_PAT: reset value");
		e = find(m, n, 0xc0000080);
		tap_ok(e != NULL && e->present && e->value == 0, "IA32_EFER: 0 in real mode");
		e = find(m, n, 0xfe);
		tap_ok(e != NULL && e->present && e->value == 0x508, "IA32_MTRRCAP: 8 variable, fixed, WC");
		e = find(m, n, 0x198);
		tap_ok(e != NULL && e->present && e->value == 0x400000003e8ull,
		    "IA32_PERF_STATUS: TCG's constant 0x400000003e8");
		e = find(m, n, 0x480);
		tap_ok(e != NULL && (!e->present || e->value == 0),
		    "IA32_VMX_BASIC without VMX: absent or zero (%s)", e != NULL && e->present ? "zero" : "absent");
		e = find(m, n, 0x802);
		if (major >= 8)
			tap_ok(e != NULL && !e->present && e->value == 0,
			    "x2APIC ID outside x2APIC mode: #GP, reported absent");
		else
			tap_ok(e != NULL && e->present && e->value == 0,
			    "x2APIC ID: QEMU %d's TCG answers 0 without #GP", major);
		e = find(m, n, 0x12345678);
		tap_ok(e != NULL && (!e->present || e->value == 0), "a bogus index: absent or zero");
	} else {
		tap_diag("report: %zu bytes", len);
	}
	free(out);

	/* 2 and 3. The fault path: a real #GP, then a real #UD, where the RDMSR was. */
	at = rdmsr_offset(img);
	for (i = 0; i < 2; i++) {
		static const char *const what[] = { "SYSENTER (#GP in real mode, vector 13)",
		    "UD2 (#UD, vector 6)" };

		guestimg_build(list, n, img);
		img[at + 1] = i == 0 ? 0x34 : 0x0b;
		st = boot(qemu, img, &out, &len);
		cnt = out != NULL ? guestimg_parse(out, len, m, GUESTIMG_MAX_MSRS, err, sizeof(err)) : -1;
		for (allabsent = cnt == (int)n, cnt = cnt < 0 ? 0 : cnt; allabsent && cnt-- > 0;)
			allabsent = !m[cnt].present && m[cnt].value == 0 && m[cnt].index == list[cnt];
		tap_ok(st == ISA_DEBUG_EXIT_STATUS && allabsent,
		    "TCG, RDMSR swapped for %s: the handler marks all %zu absent and the guest completes",
		    what[i], n);
		free(out);
	}
	rmdir(tmpdir);
	return tap_done();
}
