#!/bin/sh
# daemon-fleet.sh - two daemons on loopback: an agent that collects and
# pushes its profile, and a fleet node (--no-collect) that stores it; the
# push is retried with backoff while the fleet node is down.

. "$top_srcdir/tests/system/common.sh"
. "$top_srcdir/tests/system/daemon-lib.sh"

T=$TMPDIR_TEST
echo "fleet-token-$$" >"$T/fleet-token"
echo "agent-token-$$" >"$T/agent-token"
chmod 600 "$T/fleet-token" "$T/agent-token"
DUMP=$MIGCOMPAT_FIXTURES/vbox/vbox_cpudb_i7-6700K.json

# The agent's collector: the real probe where /dev/kvm works; otherwise
# (as on the machines without KVM that run CI) a stand-in that prints a
# real fixture dump the way the probe prints a profile, so the daemon's
# collect -> store -> push path runs for real.
if [ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	AGENT_PROBE=$PROBE
else
	echo "# no usable /dev/kvm: the agent collects a fixture dump through a stand-in probe"
	AGENT_PROBE=$T/probe.sh
	printf '#!/bin/sh\nexec cat "%s"\n' "$DUMP" >"$AGENT_PROBE"
	chmod 755 "$AGENT_PROBE"
fi

check "fleet node starts (--no-collect)" start_daemon F --no-collect --token-file "$T/fleet-token" --host-id fleet
check "agent starts and pushes to the fleet node" start_daemon A --token-file "$T/agent-token" \
    --probe "$AGENT_PROBE" --host-id agent1 --fleet "$F_URL" --fleet-token-file "$T/fleet-token"

i=0
while [ $i -lt 50 ] && ! curl -sf "$F_URL/v1/hosts/agent1" >/dev/null 2>&1; do
	sleep 0.1
	i=$((i + 1))
done
check "the fleet node has the agent's profile" curl -sf "$F_URL/v1/hosts/agent1"
check "same profile on both (hash)" sh -c "[ \"\$(curl -s $A_URL/v1/hosts/agent1 | jq -r .host.hash)\" = \"\$(curl -s $F_URL/v1/hosts/agent1 | jq -r .host.hash)\" ]"
check "the agent reports a successful collection" sh -c "curl -s $A_URL/healthz | jq -e '.collection.status == \"ok\" and .collection.version == 1'"
check "the agent counts the push" sh -c "curl -s $A_URL/metrics | grep -q '^migcompat_fleet_pushes_total{result=\"ok\"} [1-9]'"
check "the agent's token is not the fleet's" expect_error 403 PUT "$F_URL/v1/hosts/x" -H "Authorization: Bearer agent-token-$$" --data-binary @"$DUMP"

# A collection on demand pushes again; the fleet keeps one version (unchanged).
check "POST /v1/collect on the agent" sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Authorization: Bearer agent-token-$$' $A_URL/v1/collect)\" = 202 ]"
sleep 1
check "second collection ran and pushed" sh -c "curl -s $A_URL/healthz | jq -e '.collection.runs == 2' && curl -s $A_URL/metrics | grep -q '^migcompat_fleet_pushes_total{result=\"ok\"} 2'"
check "the fleet node keeps one version of an unchanged profile" sh -c "curl -s $F_URL/v1/hosts/agent1/history | jq -e '.versions | length == 1'"

# The CLI pushes a file the same way (migcompat import).
check "migcompat import pushes a dump to the fleet node" "$MIGCOMPAT" import --server "$F_URL" \
    --token-file "$T/fleet-token" --host-id from-cli "$MIGCOMPAT_FIXTURES/vbox/vboxlog_ivybridge_i7-3770_cachyos.json"
check "and the fleet node answers compat for both" sh -c "curl -s '$F_URL/v1/compat?from=agent1&to=from-cli' | jq -e '.verdict | type == \"string\"'"
check "migcompat check --server asks the fleet node" sh -c "'$MIGCOMPAT' check --json --server $F_URL agent1 from-cli >'$T/c1'; [ \$? -ne 2 ] && curl -s '$F_URL/v1/compat?from=agent1&to=from-cli' | cmp -s - '$T/c1'"
check "migcompat check --server matches the offline check" sh -c "'$MIGCOMPAT' check --json '$DUMP' '$MIGCOMPAT_FIXTURES/vbox/vboxlog_ivybridge_i7-3770_cachyos.json' >'$T/c2'; cmp -s '$T/c1' '$T/c2' || [ '$AGENT_PROBE' = '$PROBE' ]"
check "migcompat show --server" sh -c "'$MIGCOMPAT' show --server $F_URL agent1 >/dev/null"

# Retry with backoff: the fleet node goes away, the agent collects, the
# push fails (logged once), the node comes back on the same port and gets it.
FPORT=$F_PORT
check "fleet node stops" stop_daemon F
check "collection while the fleet node is down" sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Authorization: Bearer agent-token-$$' $A_URL/v1/collect)\" = 202 ]"
sleep 2
check "the failed push is logged once" sh -c "[ \$(grep -c 'push failed' '$A_LOG') -eq 1 ]"
check "failed pushes are counted" sh -c "curl -s $A_URL/metrics | grep -q '^migcompat_fleet_pushes_total{result=\"error\"} [1-9]'"
DB_OVERRIDE=$F_DB LISTEN_OVERRIDE=127.0.0.1:$FPORT check "fleet node comes back on its port" start_daemon F2 --no-collect --token-file "$T/fleet-token" --host-id fleet
curl -s -X DELETE "$F2_URL/v1/hosts/agent1" >/dev/null 2>&1
i=0
while [ $i -lt 150 ] && ! grep -q 'push works again' "$A_LOG"; do
	sleep 0.1
	i=$((i + 1))
done
check "the agent's retry reaches it" grep -q 'push works again' "$A_LOG"
check "the retried profile is stored" sh -c "curl -s $F2_URL/v1/hosts/agent1/history | jq -e '.versions | length == 1'"
check "agent stops cleanly" stop_daemon A
check "fleet node stops cleanly" stop_daemon F2

# Signals while the probe runs (a slow stand-in: this is about the daemon):
# SIGHUP waits for the collection, SIGTERM cuts it short.
printf '#!/bin/sh\nsleep 2\nexec cat "%s"\n' "$DUMP" >"$T/slow-probe.sh"
chmod 755 "$T/slow-probe.sh"
"$MIGCOMPATD" -f /dev/null --listen 127.0.0.1:0 --socket "$T/slow.sock" --db "$T/slow.db" \
    --probe "$T/slow-probe.sh" --host-id slow >"$T/slow.log" 2>&1 &
sp=$!
DAEMON_PIDS="$DAEMON_PIDS $sp"
sleep 0.7
kill -HUP $sp
i=0
while [ $i -lt 60 ] && ! grep -q 'configuration reloaded' "$T/slow.log"; do
	sleep 0.1
	i=$((i + 1))
done
check "SIGHUP during a collection: the collection completes" sh -c "grep -q 'collected a new profile' '$T/slow.log' && ! grep -q 'cancelled' '$T/slow.log'"
check "and the reload happens after it" grep -q 'configuration reloaded' "$T/slow.log"
check "POST /v1/collect over the socket needs no token" sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' --unix-socket '$T/slow.sock' -X POST http://localhost/v1/collect)\" = 202 ]"
sleep 0.5
t0=$(date +%s%N)
kill -TERM $sp
wait $sp
rc=$?
t1=$(date +%s%N)
check "SIGTERM during a collection stops at once, status 0" sh -c "[ $rc -eq 0 ] && [ $(( (t1 - t0) / 1000000 )) -lt 1500 ] && grep -q 'cancelled' '$T/slow.log'"

done_testing
