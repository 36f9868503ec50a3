## src/etcd: the fleet store on etcd (v3 JSON gateway client over libcurl,
## content-addressed profiles and host records, the agent's lease-kept
## record, the fleet node's list-and-watch sync, uploads, housekeeping).

libmigcompat_a_SOURCES += \
	src/etcd/etcd.c src/etcd/etcd.h src/etcd/etcd_priv.h \
	src/etcd/etcd_json.c src/etcd/etcd_kv.c src/etcd/etcd_lease.c src/etcd/etcd_watch.c \
	src/etcd/etcd_ahead.c \
	src/etcd/etcd_sync.c src/etcd/etcd_sync.h \
	src/etcd/etcd_record.c src/etcd/etcd_record.h \
	src/etcd/etcd_gc.c src/etcd/etcd_gc.h \
	src/etcd/etcd_upload.c src/etcd/etcd_upload.h \
	src/etcd/etcd_agent.c src/etcd/etcd_agent.h \
	src/etcd/etcd_node.c src/etcd/etcd_node.h

check_PROGRAMS += tests/unit/test-base64 tests/unit/test-etcd tests/unit/test-etcd-gc
tests_unit_test_base64_SOURCES = tests/unit/test-base64.c
tests_unit_test_etcd_SOURCES = tests/unit/test-etcd.c tests/unit/etcdtest.c tests/unit/etcdtest.h
tests_unit_test_etcd_gc_SOURCES = tests/unit/test-etcd-gc.c tests/unit/etcdtest.c tests/unit/etcdtest.h

TESTS += tests/system/etcd-fleet.sh
EXTRA_DIST += tests/system/etcd-fleet.sh
