/*
 * test-hookreq.c - which libvirt hook calls the hook checks, and how it
 * reads the daemon's answers into exit status and one stderr line.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "hookreq.h"
#include "tap.h"

static char msg[1024];

static enum hookreq_result
answer(long status, const char *body)
{
	return hookreq_answer(status, body, strlen(body), "win2022", NULL, msg, sizeof(msg));
}

int
main(void)
{
	struct hookreq_cmd cmd = { NULL, NULL, NULL, NULL, NULL };
	enum hookreq_result r;
	char big[4096], path[256];
	int i;

	tap_ok(hookreq_wants("migrate", "begin"), "migrate begin is checked");
	tap_ok(hookreq_wants("restore", "begin"), "restore begin is checked");
	tap_ok(!hookreq_wants("prepare", "begin") && !hookreq_wants("start", "begin") &&
	    !hookreq_wants("started", "begin") && !hookreq_wants("stopped", "end") &&
	    !hookreq_wants("release", "end") && !hookreq_wants("reconnect", "begin") &&
	    !hookreq_wants("attach", "begin") && !hookreq_wants("migrate", "end"),
	    "every other operation is not");

	r = answer(200, "{\"compatible\":true,\"verdict\":\"compatible\",\"reasons\":[]}");
	tap_ok(r == HOOKREQ_ALLOW, "compatible allows");

	r = answer(200, "{\"compatible\":false,\"verdict\":\"incompatible\",\"reasons\":["
	    "{\"layer\":\"vmx\",\"msr\":\"0x48b\",\"message\":\"vmx-posted-intr: allowed on the source, not here\"},"
	    "{\"layer\":\"vmx\",\"message\":\"vmx-tsc-scaling:\\nmissing\"},"
	    "{\"layer\":\"tsc\",\"message\":\"TSC 2095078 kHz here 2400000 kHz, no scaling\"},"
	    "{\"layer\":\"kvm\",\"message\":\"fourth\"},{\"layer\":\"kvm\",\"message\":\"fifth\"}]}");
	tap_ok(r == HOOKREQ_DENY, "incompatible denies");
	tap_ok(strstr(msg, "win2022 cannot run on this host") != NULL, "the line names the domain: %s", msg);
	tap_ok(strstr(msg, "vmx-posted-intr: allowed on the source, not here; vmx-tsc-scaling: missing; TSC") != NULL,
	    "the first three reasons, control characters flattened");
	tap_ok(strstr(msg, "fourth") == NULL && strstr(msg, "(+2 more blocking)") != NULL, "the rest counted");
	tap_ok(strstr(msg, "migcompat check --socket SOCKET --domain win2022.xml '' DESTINATION") != NULL,
	    "how to see them all");
	tap_ok(strchr(msg, '\n') == NULL, "one line");

	r = answer(200, "{\"verdict\":\"incompatible\",\"from\":\"host-a\",\"to\":\"host-b\",\"reasons\":"
	    "[{\"rule\":\"machine-type\"}]}");
	tap_ok(r == HOOKREQ_DENY && strstr(msg, "machine-type") != NULL &&
	    strstr(msg, "--domain win2022.xml host-a host-b") != NULL, "hosts named when the answer has them: %s", msg);

	cmd.from = "src-7";
	cmd.to = "dst-3";
	r = hookreq_answer(200, "{\"verdict\":\"incompatible\",\"reasons\":[{\"rule\":\"x\"}]}", 51,
	    "win2022", &cmd, msg, sizeof(msg));
	tap_ok(r == HOOKREQ_DENY && strstr(msg, "--domain win2022.xml src-7 dst-3") != NULL,
	    "hosts named from the daemon's headers: %s", msg);

	/* The command is whole and quoted for a shell, however long the reasons. */
	cmd.sock = "/run/mig compat/it's.sock";
	cmd.xml = "/run/mig compat/hook-win2022.xml";
	memset(big, 0, sizeof(big));
	snprintf(big, sizeof(big), "{\"verdict\":\"incompatible\",\"reasons\":[");
	for (i = 0; i < 5; i++)
		snprintf(big + strlen(big), sizeof(big) - strlen(big), "%s{\"message\":\"%0300d\"}",
		    i > 0 ? "," : "", i);
	snprintf(big + strlen(big), sizeof(big) - strlen(big), "]}");
	r = hookreq_answer(200, big, strlen(big), "win2022", &cmd, msg, sizeof(msg));
	tap_ok(r == HOOKREQ_DENY && strlen(msg) < sizeof(msg) - 1 && strstr(msg, "; all reasons: migcompat check "
	    "--socket '/run/mig compat/it'\\''s.sock' --domain '/run/mig compat/hook-win2022.xml' src-7 dst-3") != NULL &&
	    strcmp(msg + strlen(msg) - 5, "dst-3") == 0, "the command whole at the end, quoted: %s", msg);
	cmd.xml = NULL;
	cmd.xml_error = "cannot write beside /x/hook-win2022.xml: Read-only file system";
	r = hookreq_answer(200, big, strlen(big), "win2022", &cmd, msg, sizeof(msg));
	tap_ok(r == HOOKREQ_DENY && strstr(msg, "--domain win2022.xml src-7 dst-3 (with the domain's XML: cannot write "
	    "beside /x/hook-win2022.xml: Read-only file system)") != NULL, "the XML not saved: says why: %s", msg);

	tap_ok(hookreq_xml_path("/run/migcompat/migcompatd.sock", "web 1/../x'y", path, sizeof(path)) == 0 &&
	    strcmp(path, "/run/migcompat/hook-web_1_.._x_y.xml") == 0, "the XML's file: beside the socket, "
	    "the name made safe: %s", path);
	tap_ok(hookreq_xml_path("m.sock", "vm", path, sizeof(path)) == 0 && strcmp(path, "hook-vm.xml") == 0,
	    "a socket without a directory: %s", path);
	tap_ok(hookreq_xml_path("/s", "", path, sizeof(path)) == -1, "no name, no file");

	/* Blocking reasons lead, whatever the order of the answer; the rest are counted by kind. */
	r = answer(200, "{\"verdict\":\"incompatible\",\"reasons\":["
	    "{\"effect\":\"unknown\",\"message\":\"u1\"},{\"effect\":\"unknown\",\"message\":\"u2\"},"
	    "{\"effect\":\"unknown\",\"message\":\"u3\"},{\"effect\":\"blocks\",\"message\":\"b1\"},"
	    "{\"effect\":\"blocks\",\"message\":\"b2\"},{\"effect\":\"unknown\",\"message\":\"u4\"},"
	    "{\"effect\":\"blocks\",\"message\":\"b3\"},{\"effect\":\"blocks\",\"message\":\"b4\"}]}");
	tap_ok(r == HOOKREQ_DENY && strstr(msg, "this host: b1; b2; b3 (+5 more: 1 blocking, 4 unknown)") != NULL,
	    "blocking reasons first, then how many more of each: %s", msg);
	r = answer(200, "{\"verdict\":\"incompatible\",\"reasons\":["
	    "{\"effect\":\"unknown\",\"message\":\"u1\"},{\"effect\":\"blocks\",\"message\":\"b1\"},"
	    "{\"effect\":\"unknown\",\"message\":\"u2\"},{\"effect\":\"unknown\",\"message\":\"u3\"}]}");
	tap_ok(r == HOOKREQ_DENY && strstr(msg, "this host: b1; u1; u2 (+1 more unknown)") != NULL,
	    "the unknown reasons after the blocking ones: %s", msg);

	r = answer(200, "{\"compatible\":false,\"verdict\":\"unknown\",\"reasons\":[{\"message\":\"no VMX data for the source\"}]}");
	tap_ok(r == HOOKREQ_UNKNOWN && strstr(msg, "win2022: verdict unknown on this host: no VMX data") != NULL &&
	    strstr(msg, "migcompat check --socket SOCKET --domain win2022.xml '' DESTINATION") != NULL,
	    "unknown is left to on_unknown, with its reasons: %s", msg);
	r = answer(200, "{\"verdict\":\"unknown\",\"reasons\":[{\"effect\":\"unknown\",\"message\":\"a\"},"
	    "{\"effect\":\"unknown\",\"message\":\"b\"},{\"effect\":\"unknown\",\"message\":\"c\"},"
	    "{\"effect\":\"unknown\",\"message\":\"d\"}]}");
	tap_ok(r == HOOKREQ_UNKNOWN && strstr(msg, "a; b; c (+1 more unknown)") != NULL && strchr(msg, '\n') == NULL,
	    "unknown: one line, the rest counted: %s", msg);
	r = answer(404, "{\"error\":{\"code\":404,\"message\":\"to: no such host\"}}");
	tap_ok(r == HOOKREQ_ERROR && strstr(msg, "HTTP 404") != NULL && strstr(msg, "no such host") != NULL,
	    "an API error is left to on_error: %s", msg);
	r = answer(400, "{\"error\":{\"code\":400,\"message\":\"domain XML: domain/os/type: missing\"}}");
	tap_ok(r == HOOKREQ_ERROR && strstr(msg, "domain/os/type") != NULL, "bad XML is left to on_error");
	r = answer(200, "<html>proxy</html>");
	tap_ok(r == HOOKREQ_ERROR && strstr(msg, "not a JSON object") != NULL, "not JSON: %s", msg);
	r = answer(200, "");
	tap_ok(r == HOOKREQ_ERROR, "empty answer");
	r = answer(200, "[1,2]");
	tap_ok(r == HOOKREQ_ERROR, "JSON but not an object");
	r = answer(200, "{\"compatible\":true}");
	tap_ok(r == HOOKREQ_ERROR && strstr(msg, "no verdict") != NULL, "no verdict");
	r = answer(500, "{}");
	tap_ok(r == HOOKREQ_ERROR && strstr(msg, "HTTP 500") != NULL, "HTTP 500 without a message");

	r = hookreq_ask("/nonexistent/migcompatd.sock", "<domain/>", 9, 500, "d", msg, sizeof(msg));
	tap_ok(r == HOOKREQ_ERROR && strstr(msg, "/nonexistent/migcompatd.sock") != NULL,
	    "no daemon: error naming the socket: %s", msg);
	r = hookreq_ask("", "<domain/>", 9, 500, "d", msg, sizeof(msg));
	tap_ok(r == HOOKREQ_ERROR && strstr(msg, "no daemon socket") != NULL, "socket = none");
	return tap_done();
}
