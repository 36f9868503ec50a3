## src/api: the HTTP/JSON API of migcompatd (libmicrohttpd + json-c).

libmigcompat_a_SOURCES += \
	src/api/api.c src/api/api.h src/api/api_priv.h \
	src/api/api_http.c \
	src/api/api_hosts.c \
	src/api/api_compat.c \
	src/api/api_metrics.c \
	src/api/api_fleet.c \
	src/api/api_whatif.c \
	src/api/pcache.c src/api/pcache.h \
	src/api/acache.c src/api/acache.h
