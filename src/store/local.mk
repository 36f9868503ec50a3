## src/store: the SQLite profile store (schema migrations embedded in store.c).

libmigcompat_a_SOURCES += \
	src/store/store.c src/store/store.h src/store/store_priv.h \
	src/store/store_put.c src/store/store_get.c
