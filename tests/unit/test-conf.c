/*
 * test-conf.c - migcompatd.conf parsing, command-line precedence, defaults.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "log.h"
#include "tap.h"

int
main(void)
{
	struct conf file, cli;
	char err[512] = "", host[256];
	unsigned port;

	conf_init(&file);
	tap_ok(conf_parse(&file,
	    "# comment\n"
	    "\n"
	    "listen = 127.0.0.1:7000 [::1]:7001   # two at once\n"
	    "listen=:7002\n"
	    "  db =  /tmp/x.db  \n"
	    "interval = 30\n"
	    "collect = no\n"
	    "max_body = 64K\n"
	    "socket_mode = 0600\n"
	    "fleet = http://a:7480 https://b:7480\n"
	    "token_file = /etc/t\n"
	    "log_level = debug\n"
	    "on_error = deny\n"
	    "on_unknown = deny\n", "test", err, sizeof(err)) == 0, "a full file parses: %s", err);
	tap_ok(file.n_listen == 3 && strcmp(file.listen[1], "[::1]:7001") == 0, "listen list of 3");
	tap_ok(strcmp(file.db, "/tmp/x.db") == 0, "value trimmed");
	tap_ok(file.interval == 30 && file.collect == 0 && file.max_body == 65536 &&
	    file.socket_mode == 0600 && file.n_fleet == 2 && file.log_level == LOG_LEVEL_DEBUG &&
	    file.on_error == CONF_ON_ERROR_DENY && file.on_unknown == CONF_ON_ERROR_DENY, "typed values");

	/* The command line wins, option by option; lists replace lists. */
	conf_init(&cli);
	tap_ok(conf_set(&cli, "listen", "127.0.0.1:9", err, sizeof(err)) == 0 &&
	    conf_set(&cli, "interval", "5", err, sizeof(err)) == 0 &&
	    conf_set(&cli, "token-file", "/run/t", err, sizeof(err)) == 0, "command-line options set");
	conf_merge(&file, &cli);
	tap_ok(file.n_listen == 1 && strcmp(file.listen[0], "127.0.0.1:9") == 0 && file.interval == 5 &&
	    strcmp(file.token_file, "/run/t") == 0 && strcmp(file.db, "/tmp/x.db") == 0 &&
	    file.collect == 0, "merge: command line over file, the rest kept");
	tap_ok(conf_finish(&file, err, sizeof(err)) == 0 && file.timeout == 10 &&
	    file.max_connections == 256 && strstr(file.socket, "migcompatd.sock") != NULL,
	    "defaults fill unset options");
	conf_clear(&file);
	conf_clear(&cli);

	conf_init(&file);
	tap_ok(conf_finish(&file, err, sizeof(err)) == 0 && file.n_listen == 1 &&
	    strcmp(file.listen[0], "127.0.0.1:7480") == 0 && file.interval == 600 && file.collect == 1 &&
	    file.max_body == 1024 * 1024 && file.socket_mode == 0660,
	    "defaults: loopback 7480, 600 s, collect, 1 MiB, 0660");
	tap_ok(file.on_error == CONF_ON_ERROR_ALLOW && file.on_unknown == CONF_ON_ERROR_ALLOW,
	    "defaults: on_error and on_unknown allow");
	conf_clear(&file);

	/* on_unknown: allow or deny, on its own or on the command line. */
	conf_init(&file);
	tap_ok(conf_parse(&file, "on_unknown = deny\n", "f", err, sizeof(err)) == 0 &&
	    conf_finish(&file, err, sizeof(err)) == 0 && file.on_unknown == CONF_ON_ERROR_DENY &&
	    file.on_error == CONF_ON_ERROR_ALLOW, "on_unknown = deny leaves on_error at allow");
	conf_clear(&file);
	conf_init(&file);
	conf_init(&cli);
	tap_ok(conf_parse(&file, "on_unknown = deny\n", "f", err, sizeof(err)) == 0 &&
	    conf_set(&cli, "on-unknown", "allow", err, sizeof(err)) == 0, "--on-unknown allow");
	conf_merge(&file, &cli);
	tap_ok(conf_finish(&file, err, sizeof(err)) == 0 && file.on_unknown == CONF_ON_ERROR_ALLOW,
	    "the command line wins for on_unknown too");
	conf_clear(&file);
	conf_clear(&cli);
	conf_init(&file);
	tap_ok(conf_parse(&file, "on_unknown = maybe\n", "f.conf", err, sizeof(err)) == -1 &&
	    strstr(err, "on_unknown") != NULL && strstr(err, "allow or deny") != NULL,
	    "a bad on_unknown names the key: %s", err);
	conf_clear(&file);

	/* Errors name the line and the option. */
	conf_init(&file);
	tap_ok(conf_parse(&file, "db = x\nbogus = 1\n", "f.conf", err, sizeof(err)) == -1 &&
	    strstr(err, "f.conf:2") != NULL && strstr(err, "bogus") != NULL, "unknown key: %s", err);
	tap_ok(conf_parse(&file, "interval = 0\n", "f", err, sizeof(err)) == -1, "interval 0 refused");
	tap_ok(conf_parse(&file, "interval = ten\n", "f", err, sizeof(err)) == -1, "interval ten refused");
	tap_ok(conf_parse(&file, "collect = maybe\n", "f", err, sizeof(err)) == -1, "bad boolean refused");
	tap_ok(conf_parse(&file, "listen = nohost\n", "f", err, sizeof(err)) == -1, "listen without port refused");
	tap_ok(conf_parse(&file, "listen = 1.2.3.4:70000\n", "f", err, sizeof(err)) == -1, "port over 65535 refused");
	tap_ok(conf_parse(&file, "fleet = ftp://x\n", "f", err, sizeof(err)) == -1, "non-http fleet refused");
	tap_ok(conf_parse(&file, "socket_mode = 660\n", "f", err, sizeof(err)) == -1 &&
	    conf_parse(&file, "socket_mode = 0999\n", "f", err, sizeof(err)) == -1, "bad modes refused");
	tap_ok(conf_parse(&file, "max_body = 1T\n", "f", err, sizeof(err)) == -1 &&
	    conf_parse(&file, "max_body = 10\n", "f", err, sizeof(err)) == -1, "bad sizes refused");
	tap_ok(conf_parse(&file, "just words\n", "f", err, sizeof(err)) == -1, "line without = refused");
	conf_clear(&file);

	conf_init(&file);
	conf_parse(&file, "listen = none\nsocket = none\n", "f", err, sizeof(err));
	tap_ok(conf_finish(&file, err, sizeof(err)) == -1, "nothing to listen on refused");
	conf_clear(&file);
	conf_init(&file);
	conf_parse(&file, "fleet = http://x:1\n", "f", err, sizeof(err));
	tap_ok(conf_finish(&file, err, sizeof(err)) == -1, "fleet without a token refused");
	conf_clear(&file);
	{
		/* Keys that go together: one of the pair alone is refused, naming both. */
		static const char *const pairs[][2] = {
			{ "etcd_cert", "etcd_key" }, { "tls_cert", "tls_key" }, { "fleet_cert", "fleet_key" },
		};
		char line[128], want[64];
		size_t i, k;

		for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
			for (k = 0; k < 2; k++) {
				conf_init(&file);
				snprintf(line, sizeof(line), "%s = /x.pem\n", pairs[i][k]);
				snprintf(want, sizeof(want), "%s, %s: give both or neither", pairs[i][0], pairs[i][1]);
				tap_ok(conf_parse(&file, line, "f", err, sizeof(err)) == 0 &&
				    conf_finish(&file, err, sizeof(err)) == -1 && strcmp(err, want) == 0,
				    "%s without %s refused: %s", pairs[i][k], pairs[i][1 - k], err);
				conf_clear(&file);
			}
		conf_init(&file);
		conf_parse(&file, "tls_cert = /c.pem\ntls_key = /k.pem\n", "f", err, sizeof(err));
		tap_ok(conf_finish(&file, err, sizeof(err)) == 0, "tls_cert with tls_key accepted");
		conf_clear(&file);
	}

	tap_ok(conf_split_listen("[::1]:80", host, sizeof(host), &port) == 0 &&
	    strcmp(host, "::1") == 0 && port == 80, "split [::1]:80");
	tap_ok(conf_split_listen(":7480", host, sizeof(host), &port) == 0 && host[0] == '\0' &&
	    port == 7480, "split :7480");
	tap_ok(conf_split_listen("::1:80", host, sizeof(host), &port) == -1, "bare IPv6 refused");
	return tap_done();
}
