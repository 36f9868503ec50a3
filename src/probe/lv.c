/*
 * lv.c - the libvirt layer: versions, domain capabilities, machine types and
 * running domains, through a read-only connection.
 */
#include "config.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "log.h"
#include "lv.h"
#include "util.h"

#define LV_ARCH		"x86_64"

/*
 * libvirt is loaded when the libvirt layer is first collected, not linked:
 * libvirt.so and what it pulls in (GLib, GnuTLS, ...) cost about 20 ms at
 * every start of every binary, and the probe, the CLI and the hook start
 * often.  The symbols are checked against libvirt's own declarations.
 */
#define LV_LIBRARY	"libvirt.so.0"
#define LV_SYMBOLS(X) \
	X(virConnectClose) X(virConnectGetCapabilities) X(virConnectGetDomainCapabilities) \
	X(virConnectGetLibVersion) X(virConnectGetVersion) X(virConnectListAllDomains) \
	X(virConnectOpen) X(virConnectOpenReadOnly) X(virDomainFree) X(virDomainGetUUIDString) \
	X(virGetLastError) X(virSetErrorFunc)

static struct {
	void *handle;
	char err[256];			/* why loading failed, "" if it did not */
#define LV_MEMBER(f) __typeof__(f) *f;
	LV_SYMBOLS(LV_MEMBER)
#undef LV_MEMBER
} lv_lib;
static pthread_once_t lv_once = PTHREAD_ONCE_INIT;

static void
lv_load_once(void)
{
	const char *e;

	if ((lv_lib.handle = dlopen(LV_LIBRARY, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		e = dlerror();
		snprintf(lv_lib.err, sizeof(lv_lib.err), "%s (is libvirt0 installed?)",
		    e != NULL ? e : LV_LIBRARY ": cannot be loaded");
		return;
	}
#define LV_RESOLVE(f) \
	if (lv_lib.err[0] == '\0' && (*(void **)&lv_lib.f = dlsym(lv_lib.handle, #f)) == NULL) \
		snprintf(lv_lib.err, sizeof(lv_lib.err), "%s: no symbol %s", LV_LIBRARY, #f);
	LV_SYMBOLS(LV_RESOLVE)
#undef LV_RESOLVE
}

/* Load libvirt once per process.  Returns 0, or -1 with the reason in lv_lib.err. */
static int
lv_load(void)
{
	pthread_once(&lv_once, lv_load_once);
	return lv_lib.err[0] == '\0' ? 0 : -1;
}

/* libvirt's default error handler prints every error on stderr: not ours. */
static void
lv_quiet(void *data, virErrorPtr e)
{
}

/* The last libvirt error of this thread, as one line. */
static const char *
lv_errmsg(void)
{
	virErrorPtr e = lv_lib.virGetLastError();

	return e != NULL && e->message != NULL ? e->message : "unknown libvirt error";
}

static void
lv_version(unsigned long v, char *buf, size_t bufsize)
{
	snprintf(buf, bufsize, "%lu.%lu.%lu", v / 1000000, v / 1000 % 1000, v % 1000);
}

/* Parse XML libvirt produced; no network, no entities, no DTD. */
static xmlDocPtr
lv_xml(const char *xml)
{
	return xmlReadMemory(xml, (int)strlen(xml), "libvirt.xml", NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

/* Append the text of every node expr selects to l. */
static void
lv_xpath_list(xmlXPathContextPtr ctx, const char *expr, struct plibvirt_list *l)
{
	xmlXPathObjectPtr r;
	xmlChar *s;
	int i;

	if ((r = xmlXPathEvalExpression((const xmlChar *)expr, ctx)) == NULL)
		return;
	if (r->type == XPATH_NODESET && r->nodesetval != NULL) {
		for (i = 0; i < r->nodesetval->nodeNr; i++) {
			if ((s = xmlNodeGetContent(r->nodesetval->nodeTab[i])) == NULL)
				continue;
			if (s[0] != '\0' && strlen((const char *)s) < 256)
				plibvirt_list_add(l, (const char *)s);
			xmlFree(s);
		}
	}
	xmlXPathFreeObject(r);
}

/* Copy the text of the first node expr selects into buf ("" if none). */
static void
lv_xpath_str(xmlXPathContextPtr ctx, const char *expr, char *buf, size_t bufsize)
{
	struct plibvirt_list l = { NULL, 0 };

	buf[0] = '\0';
	lv_xpath_list(ctx, expr, &l);
	if (l.n > 0)
		util_strlcpy(buf, l.v[0], bufsize);
	plibvirt_list_clear(&l);
}

/* Read what matters out of virConnectGetDomainCapabilities' XML. */
static int
lv_domcaps(const char *xml, struct plibvirt *lv)
{
	xmlXPathContextPtr ctx = NULL;
	xmlDocPtr doc;
	int ret = -1;

	if ((doc = lv_xml(xml)) == NULL || (ctx = xmlXPathNewContext(doc)) == NULL)
		goto cleanup;
	lv_xpath_str(ctx, "/domainCapabilities/domain", lv->virttype, sizeof(lv->virttype));
	lv_xpath_str(ctx, "/domainCapabilities/arch", lv->arch, sizeof(lv->arch));
	lv_xpath_str(ctx, "/domainCapabilities/machine", lv->machine, sizeof(lv->machine));
#define HM "/domainCapabilities/cpu/mode[@name='host-model'][@supported='yes']"
	lv_xpath_str(ctx, HM "/model", lv->host_model, sizeof(lv->host_model));
	lv_xpath_str(ctx, HM "/vendor", lv->host_model_vendor, sizeof(lv->host_model_vendor));
	lv_xpath_list(ctx, HM "/feature[@policy='require']/@name", &lv->host_model_features);
	lv_xpath_list(ctx, HM "/feature[@policy='disable']/@name", &lv->host_model_disabled);
#undef HM
	lv_xpath_list(ctx, "/domainCapabilities/cpu/mode[@name='custom'][@supported='yes']"
	    "/model[@usable='yes']", &lv->cpu_models);
	lv_xpath_list(ctx, "/domainCapabilities/features/hyperv[@supported='yes']"
	    "/enum[@name='features']/value", &lv->hyperv_features);
	plibvirt_list_sort(&lv->host_model_features);
	plibvirt_list_sort(&lv->host_model_disabled);
	plibvirt_list_sort(&lv->cpu_models);
	plibvirt_list_sort(&lv->hyperv_features);
	ret = lv->virttype[0] != '\0' ? 0 : -1;
cleanup:
	xmlXPathFreeContext(ctx);
	xmlFreeDoc(doc);
	return ret;
}

/* The machine types of x86_64 hvm guests for virttype, from virConnectGetCapabilities. */
static void
lv_machines(virConnectPtr conn, struct plibvirt *lv)
{
	xmlXPathContextPtr ctx = NULL;
	xmlDocPtr doc = NULL;
	char *caps, expr[256];

	if ((caps = lv_lib.virConnectGetCapabilities(conn)) == NULL) {
		log_debug("virConnectGetCapabilities: %s", lv_errmsg());
		return;
	}
	if ((doc = lv_xml(caps)) == NULL || (ctx = xmlXPathNewContext(doc)) == NULL)
		goto cleanup;
#define ARCH "/capabilities/guest[os_type='hvm']/arch[@name='" LV_ARCH "']"
	lv_xpath_list(ctx, ARCH "/machine", &lv->machines);
	snprintf(expr, sizeof(expr), ARCH "/domain[@type='%s']/machine", lv->virttype);
#undef ARCH
	lv_xpath_list(ctx, expr, &lv->machines);
	plibvirt_list_sort(&lv->machines);
cleanup:
	xmlXPathFreeContext(ctx);
	xmlFreeDoc(doc);
	free(caps);
}

/* The UUIDs of the running domains.  Returns 0 or -1. */
static int
lv_domains(virConnectPtr conn, struct plibvirt *lv)
{
	virDomainPtr *doms = NULL;
	char uuid[VIR_UUID_STRING_BUFLEN];
	int i, n;

	if ((n = lv_lib.virConnectListAllDomains(conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE)) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (lv_lib.virDomainGetUUIDString(doms[i], uuid) == 0)
			plibvirt_list_add(&lv->domains, uuid);
		lv_lib.virDomainFree(doms[i]);
	}
	free(doms);
	plibvirt_list_sort(&lv->domains);
	return 0;
}

/* Domain capabilities for virttype on conn, or NULL with libvirt's error pending. */
static char *
lv_domcaps_of(virConnectPtr conn, const char *virttype)
{
	/* The emulator is libvirt's default for the arch: never a caller's path. */
	return lv_lib.virConnectGetDomainCapabilities(conn, NULL, LV_ARCH, NULL, virttype, 0);
}

/* Nonzero when the last error says the read-only connection may not do this. */
static int
lv_denied(void)
{
	virErrorPtr e = lv_lib.virGetLastError();

	return e != NULL && e->code == VIR_ERR_OPERATION_DENIED;
}

/*
 * The domain capabilities XML (caller frees), for virttype kvm or, when
 * libvirt cannot use KVM, qemu (kvmwhy then says why).  Since libvirt 5.4
 * (the fix of CVE-2019-10168) a read-only connection may not ask: then a
 * read-write connection is opened for this one call (*rw, caller closes);
 * it asks for nothing else and never names an emulator.  NULL with the
 * reason in why on failure, and *denied set when the failure is only the
 * lack of a read-write connection.
 */
static char *
lv_get_domcaps(virConnectPtr ro, const char *uri, virConnectPtr *rw, char *kvmwhy, size_t kvmwhysize,
    char *why, size_t whysize, int *denied)
{
	virConnectPtr conn = ro;
	virErrorPtr e;
	char *caps;

	if ((caps = lv_domcaps_of(conn, "kvm")) == NULL && lv_denied()) {
		if ((*rw = lv_lib.virConnectOpen(uri)) == NULL) {
			snprintf(why, whysize, "a read-only connection may not ask since libvirt 5.4, and a "
			    "read-write one failed: %s", lv_errmsg());
			*denied = 1;
			return NULL;
		}
		conn = *rw;
		caps = lv_domcaps_of(conn, "kvm");
	}
	if (caps != NULL)
		return caps;
	util_strlcpy(kvmwhy, lv_errmsg(), kvmwhysize);
	e = lv_lib.virGetLastError();
	if (e != NULL && (e->code == VIR_ERR_NO_SUPPORT || e->code == VIR_ERR_OPERATION_DENIED)) {
		*denied = e->code == VIR_ERR_OPERATION_DENIED;
		util_strlcpy(why, kvmwhy, whysize);
		return NULL;
	}
	if ((caps = lv_domcaps_of(conn, "qemu")) == NULL)
		snprintf(why, whysize, "virttype kvm: %s; virttype qemu: %s", kvmwhy, lv_errmsg());
	return caps;
}

int
lv_collect(const char *uri, struct profile *p)
{
	virConnectPtr conn = NULL;
	unsigned long v;
	virConnectPtr rw = NULL;
	char *caps = NULL, kvmwhy[256] = "", domwhy[256] = "", why[256] = "";
	int denied = 0, ret = -1;

	plibvirt_clear(&p->lv);
	if (uri == NULL)
		uri = LV_DEFAULT_URI;
	if (lv_load() == -1) {
		profile_layer_set(&p->libvirt, LAYER_UNAVAILABLE, "%s", lv_lib.err);
		goto cleanup;
	}
	lv_lib.virSetErrorFunc(NULL, lv_quiet);
	if ((conn = lv_lib.virConnectOpenReadOnly(uri)) == NULL) {
		profile_layer_set(&p->libvirt, LAYER_UNAVAILABLE, "%s: %s", uri, lv_errmsg());
		goto cleanup;
	}
	if (lv_lib.virConnectGetLibVersion(conn, &v) == 0)
		lv_version(v, p->lv.libvirt_version, sizeof(p->lv.libvirt_version));
	if (lv_lib.virConnectGetVersion(conn, &v) == 0 && v != 0)
		lv_version(v, p->lv.qemu_version, sizeof(p->lv.qemu_version));

	caps = lv_get_domcaps(conn, uri, &rw, kvmwhy, sizeof(kvmwhy), why, sizeof(why), &denied);
	if (caps == NULL && denied) {
		/*
		 * Not allowed to read the domain capabilities (an unprivileged
		 * caller outside group libvirt): the read-only part still tells
		 * the machine types and the running domains.
		 */
		util_strlcpy(p->lv.arch, LV_ARCH, sizeof(p->lv.arch));
		lv_machines(conn, &p->lv);
		if (lv_domains(conn, &p->lv) == -1)
			snprintf(domwhy, sizeof(domwhy), "; running domains unknown: %s", lv_errmsg());
		profile_layer_set(&p->libvirt, LAYER_MEASURED, "%s: libvirt %s, QEMU %s; no domain "
		    "capabilities (%s): machine types and running domains only%s", uri,
		    p->lv.libvirt_version, p->lv.qemu_version, why, domwhy);
		ret = 0;
		goto cleanup;
	}
	if (caps == NULL) {
		profile_layer_set(&p->libvirt, LAYER_UNAVAILABLE, "%s: domain capabilities: %s", uri, why);
		goto cleanup;
	}
	p->lv.domcaps = 1;
	if (lv_domcaps(caps, &p->lv) == -1) {
		profile_layer_set(&p->libvirt, LAYER_UNAVAILABLE,
		    "%s: domain capabilities: libvirt returned XML without <domain>", uri);
		goto cleanup;
	}
	lv_machines(conn, &p->lv);
	if (lv_domains(conn, &p->lv) == -1)
		snprintf(domwhy, sizeof(domwhy), "; running domains unknown: %s", lv_errmsg());
	if (kvmwhy[0] != '\0')
		profile_layer_set(&p->libvirt, LAYER_MEASURED,
		    "%s: libvirt %s, QEMU %s; KVM not usable by libvirt (%s): capabilities of "
		    "virttype %s%s", uri, p->lv.libvirt_version, p->lv.qemu_version, kvmwhy,
		    p->lv.virttype, domwhy);
	else
		profile_layer_set(&p->libvirt, LAYER_MEASURED, "%s: libvirt %s, QEMU %s, virttype %s%s",
		    uri, p->lv.libvirt_version, p->lv.qemu_version, p->lv.virttype, domwhy);
	ret = 0;
cleanup:
	if (ret == -1)
		plibvirt_clear(&p->lv);
	free(caps);
	if (rw != NULL)
		lv_lib.virConnectClose(rw);
	if (conn != NULL)
		lv_lib.virConnectClose(conn);
	return ret;
}
