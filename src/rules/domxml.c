/*
 * domxml.c - libvirt domain XML as a VM spec.
 *
 * Only the parts of a domain that decide migration compatibility are read:
 * <cpu>, <features><hyperv>, <clock><timer name='tsc'>, <os><type machine>,
 * <name> and <uuid>.  Everything else (devices, metadata, other namespaces)
 * is skipped without looking.
 */
#include "config.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "domxml.h"
#include "jsonu.h"
#include "util.h"
#include "vmcpu.h"

#define DERR(...) jsonu_err(err, errsize, __VA_ARGS__)

/* Tri-state of an explicitly named feature: not mentioned, off, on. */
#define DOMXML_UNSET	(-1)

static pthread_once_t domxml_once = PTHREAD_ONCE_INIT;

static void
domxml_init_library(void)
{
	xmlInitParser();
}

/*
 * SAX callback for <!DOCTYPE ...> (internal or external subset): libvirt
 * never writes one, and refusing it before its internal subset is parsed
 * means no entity is ever declared, expanded or fetched.
 */
static void
domxml_doctype(void *ctx, const xmlChar *name, const xmlChar *external_id, const xmlChar *system_id)
{
	xmlParserCtxtPtr ctxt = ctx;

	*(int *)ctxt->_private = 1;
	xmlStopParser(ctxt);
}

/* SAX callback for an entity declaration: never reached after the above, but stop anyway. */
static void
domxml_entitydecl(void *ctx, const xmlChar *name, int type, const xmlChar *public_id,
    const xmlChar *system_id, xmlChar *content)
{
	xmlParserCtxtPtr ctxt = ctx;

	*(int *)ctxt->_private = 1;
	xmlStopParser(ctxt);
}

/* Parse the document; NULL with a message in err when it is refused. */
static xmlDocPtr
domxml_read(const char *xml, size_t len, char *err, size_t errsize)
{
	xmlParserCtxtPtr ctxt = NULL;
	xmlDocPtr doc = NULL;
	const xmlError *e;
	int doctype = 0;
	char msg[256];
	size_t n;

	if (len == 0) {
		DERR(NULL, "domain XML is empty");
		goto cleanup;
	}
	if (len > DOMXML_MAX_SIZE) {
		DERR(NULL, "domain XML is larger than %u bytes", DOMXML_MAX_SIZE);
		goto cleanup;
	}
	if ((ctxt = xmlCreateMemoryParserCtxt(xml, (int)len)) == NULL) {
		DERR(NULL, "cannot create an XML parser");
		goto cleanup;
	}
	/* No XML_PARSE_NOENT, DTDLOAD, DTDATTR, XINCLUDE or HUGE, ever. */
	xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
	    XML_PARSE_NOBLANKS);
	ctxt->sax->internalSubset = domxml_doctype;
	ctxt->sax->externalSubset = domxml_doctype;
	ctxt->sax->entityDecl = domxml_entitydecl;
	ctxt->_private = &doctype;
	xmlParseDocument(ctxt);
	if (doctype) {
		DERR(NULL, "domain XML with a DOCTYPE is refused (libvirt never writes one; "
		    "entities are not accepted)");
		goto cleanup;
	}
	if (!ctxt->wellFormed || ctxt->myDoc == NULL) {
		e = xmlCtxtGetLastError(ctxt);
		if (e != NULL && e->message != NULL) {
			util_strlcpy(msg, e->message, sizeof(msg));
			n = strlen(msg);
			while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
				msg[--n] = '\0';
			DERR(NULL, "domain XML is not well-formed: line %d: %s", e->line, msg);
		} else
			DERR(NULL, "domain XML is not well-formed");
		goto cleanup;
	}
	doc = ctxt->myDoc;
	ctxt->myDoc = NULL;
cleanup:
	if (ctxt != NULL) {
		if (ctxt->myDoc != NULL)
			xmlFreeDoc(ctxt->myDoc);
		ctxt->myDoc = NULL;
		xmlFreeParserCtxt(ctxt);
	}
	return doc;
}

/* Nonzero when n is an element called name in no namespace. */
static int
domxml_is(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && n->ns == NULL &&
	    xmlStrcmp(n->name, (const xmlChar *)name) == 0;
}

/* The first child element called name, or NULL. */
static xmlNodePtr
domxml_child(const xmlNode *parent, const char *name)
{
	xmlNodePtr c;

	for (c = parent->children; c != NULL; c = c->next)
		if (domxml_is(c, name))
			return c;
	return NULL;
}

/*
 * Copy attribute name of n into buf.  Returns 1 when present, 0 when absent
 * (buf empty), -1 with an error naming path when it does not fit.
 */
static int
domxml_attr(const xmlNode *n, const char *name, char *buf, size_t bufsize, const char *path,
    char *err, size_t errsize)
{
	xmlChar *v;
	size_t len;

	buf[0] = '\0';
	if ((v = xmlGetNoNsProp(n, (const xmlChar *)name)) == NULL)
		return 0;
	len = util_strlcpy(buf, (const char *)v, bufsize);
	xmlFree(v);
	if (len >= bufsize) {
		buf[0] = '\0';
		return DERR(path, "attribute %s is longer than %zu bytes", name, bufsize - 1);
	}
	return 1;
}

/* Copy the text of n, without surrounding white space, into buf.  Returns 0 or -1. */
static int
domxml_text(const xmlNode *n, char *buf, size_t bufsize, const char *path, char *err, size_t errsize)
{
	xmlChar *v;
	const char *s;
	size_t len;

	buf[0] = '\0';
	if ((v = xmlNodeGetContent(n)) == NULL)
		return 0;
	for (s = (const char *)v; *s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'; s++)
		;
	len = util_strlcpy(buf, s, bufsize);
	xmlFree(v);
	if (len >= bufsize) {
		buf[0] = '\0';
		return DERR(path, "longer than %zu bytes", bufsize - 1);
	}
	while (len > 0 && (buf[len - 1] == ' ' || buf[len - 1] == '\t' || buf[len - 1] == '\n' ||
	    buf[len - 1] == '\r'))
		buf[--len] = '\0';
	return 0;
}

/* Set a CPU feature in spec, replacing an earlier entry of the same name. */
static int
domxml_feature_set(struct vmspec *spec, const char *name, enum vmspec_policy policy, char *err,
    size_t errsize)
{
	int enabled = policy == VMSPEC_POLICY_REQUIRE || policy == VMSPEC_POLICY_FORCE;

	size_t i;

	/* As in JSON specs: an "hv-" name is an enlightenment, counted only when on. */
	if (strncmp(name, "hv-", 3) == 0) {
		if (enabled && vmspec_add_hyperv(spec, name) == -1)
			return DERR("cpu", "Hyper-V enlightenment '%.40s' invalid or too many", name);
		return 0;
	}
	for (i = 0; i < spec->n_features; i++) {
		if (strcmp(spec->features[i].name, name) == 0) {
			spec->features[i].enabled = enabled;
			spec->features[i].policy = policy;
			return 0;
		}
	}
	if (spec->n_features == VMSPEC_MAX_FEATURES)
		return DERR("cpu", "more than %d features", VMSPEC_MAX_FEATURES);
	util_strlcpy(spec->features[i].name, name, sizeof(spec->features[i].name));
	spec->features[i].enabled = enabled;
	spec->features[i].policy = policy;
	spec->n_features++;
	return 0;
}

/*
 * <cpu mode='...'><model>M</model><feature policy='P' name='N'/>...</cpu>.
 * *vmx and *svm receive the explicit state of those two features.
 */
static int
domxml_cpu(const xmlNode *cpu, struct vmspec *spec, int *vmx, int *svm, char *err, size_t errsize)
{
	char mode[32], policy[16], name[VMSPEC_FEATURE_LEN], path[64];
	const xmlNode *c;
	enum vmspec_policy pol;
	size_t nth = 0;
	int enabled, r;

	if (domxml_attr(cpu, "mode", mode, sizeof(mode), "cpu", err, errsize) == -1)
		return -1;
	if (mode[0] == '\0' || strcmp(mode, "custom") == 0)
		spec->cpu_mode = VMSPEC_CPU_CUSTOM;
	else if (strcmp(mode, "host-model") == 0)
		spec->cpu_mode = VMSPEC_CPU_HOST_MODEL;
	else if (strcmp(mode, "host-passthrough") == 0)
		spec->cpu_mode = VMSPEC_CPU_HOST_PASSTHROUGH;
	else if (strcmp(mode, "maximum") == 0)
		spec->cpu_mode = VMSPEC_CPU_MAXIMUM;
	else
		return DERR("cpu", "unknown mode '%s' (expected custom, host-model, host-passthrough "
		    "or maximum)", mode);
	if ((c = domxml_child(cpu, "model")) != NULL &&
	    domxml_text(c, spec->cpu_model, sizeof(spec->cpu_model), "cpu/model", err, errsize) == -1)
		return -1;

	for (c = cpu->children; c != NULL; c = c->next) {
		if (!domxml_is(c, "feature"))
			continue;
		nth++;
		snprintf(path, sizeof(path), "cpu/feature[%zu]", nth);
		if ((r = domxml_attr(c, "name", name, sizeof(name), path, err, errsize)) == -1)
			return -1;
		if (r == 0 || name[0] == '\0')
			return DERR(path, "missing name attribute");
		if (domxml_attr(c, "policy", policy, sizeof(policy), path, err, errsize) == -1)
			return -1;
		/* libvirt's default policy is require. */
		if (policy[0] == '\0' || strcmp(policy, "require") == 0)
			pol = VMSPEC_POLICY_REQUIRE;
		else if (strcmp(policy, "force") == 0)
			pol = VMSPEC_POLICY_FORCE;
		else if (strcmp(policy, "disable") == 0)
			pol = VMSPEC_POLICY_DISABLE;
		else if (strcmp(policy, "forbid") == 0)
			pol = VMSPEC_POLICY_FORBID;
		else if (strcmp(policy, "optional") == 0)
			continue;	/* not pinned: the VM runs with or without it */
		else
			return DERR(path, "feature %s: unknown policy '%s' (expected require, force, "
			    "disable, forbid or optional)", name, policy);
		enabled = pol == VMSPEC_POLICY_REQUIRE || pol == VMSPEC_POLICY_FORCE;
		if (domxml_feature_set(spec, name, pol, err, errsize) == -1)
			return -1;
		if (strcmp(name, "vmx") == 0)
			*vmx = enabled;
		else if (strcmp(name, "svm") == 0)
			*svm = enabled;
		else if (strcmp(name, "invtsc") == 0)
			spec->invtsc = enabled;
	}
	if (spec->cpu_mode == VMSPEC_CPU_CUSTOM && spec->cpu_model[0] == '\0' && nth > 0)
		return DERR("cpu", "features without a <model> in custom mode (libvirt refuses this too)");
	return 0;
}

/*
 * <features><hyperv mode='custom|passthrough'><relaxed state='on'/>...</hyperv>.
 * *evmcs receives the explicit state of <evmcs>; *passthrough whether the
 * host decides which enlightenments the guest gets.
 */
static int
domxml_hyperv(const xmlNode *hv, struct vmspec *spec, int *evmcs, char *err, size_t errsize)
{
	char mode[32], state[8], path[64];
	const char *name;
	const xmlNode *c;

	if (domxml_attr(hv, "mode", mode, sizeof(mode), "features/hyperv", err, errsize) == -1)
		return -1;
	if (mode[0] == '\0' || strcmp(mode, "custom") == 0)
		spec->hyperv_passthrough = 0;
	else if (strcmp(mode, "passthrough") == 0 || strcmp(mode, "host-model") == 0)
		spec->hyperv_passthrough = 1;	/* the host decides either way */
	else
		return DERR("features/hyperv", "unknown mode '%s' (expected custom or passthrough)", mode);

	for (c = hv->children; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE || c->ns != NULL)
			continue;
		name = (const char *)c->name;
		snprintf(path, sizeof(path), "features/hyperv/%.32s", name);
		if (strlen(name) >= sizeof(spec->hyperv[0]))
			return DERR(path, "enlightenment name longer than %zu bytes", sizeof(spec->hyperv[0]) - 1);
		if (domxml_attr(c, "state", state, sizeof(state), path, err, errsize) == -1)
			return -1;
		if (strcmp(state, "on") != 0 && strcmp(state, "off") != 0)
			return DERR(path, "state must be on or off%s", state[0] == '\0' ? " and is missing" : "");
		if (strcmp(name, "evmcs") == 0)
			*evmcs = state[1] == 'n';
		if (state[1] != 'n')
			continue;
		/* libvirt names them without the prefix; "hv-x" would read back as "x". */
		if (strncmp(name, "hv-", 3) == 0)
			return DERR(path, "not a libvirt Hyper-V enlightenment");
		if (vmspec_has_hyperv(spec, name))
			continue;	/* listed twice */
		if (spec->n_hyperv == sizeof(spec->hyperv) / sizeof(spec->hyperv[0]))
			return DERR("features/hyperv", "more than %zu enlightenments",
			    sizeof(spec->hyperv) / sizeof(spec->hyperv[0]));
		util_strlcpy(spec->hyperv[spec->n_hyperv], name, sizeof(spec->hyperv[0]));
		spec->n_hyperv++;
	}
	return 0;
}

/* <clock><timer name='tsc' frequency='HZ'/></clock>. */
static int
domxml_clock(const xmlNode *clock, struct vmspec *spec, char *err, size_t errsize)
{
	char name[32], freq[32];
	const xmlNode *c;
	uint64_t hz;
	int r;

	for (c = clock->children; c != NULL; c = c->next) {
		if (!domxml_is(c, "timer"))
			continue;
		if (domxml_attr(c, "name", name, sizeof(name), "clock/timer", err, errsize) == -1)
			return -1;
		if (strcmp(name, "tsc") != 0)
			continue;
		if ((r = domxml_attr(c, "frequency", freq, sizeof(freq), "clock/timer[@name='tsc']",
		    err, errsize)) == -1)
			return -1;
		if (r == 0)
			continue;
		if (freq[0] < '0' || freq[0] > '9' || util_parse_u64(freq, (uint64_t)UINT32_MAX * 1000, &hz) == -1 ||
		    hz < 1000)
			return DERR("clock/timer[@name='tsc']", "frequency '%s' is not a frequency in Hz", freq);
		spec->tsc_khz = (uint32_t)((hz + 500) / 1000);
	}
	return 0;
}

/* Normalise a UUID to the 36-character lower-case form libvirt prints. */
static int
domxml_uuid(const char *s, char *out, size_t outsize)
{
	char hex[33];
	size_t n = 0;

	for (; *s != '\0'; s++) {
		if (*s == '-')
			continue;
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F')))
			return -1;
		if (n == 32)
			return -1;
		hex[n++] = (char)(*s >= 'A' && *s <= 'F' ? *s - 'A' + 'a' : *s);
	}
	if (n != 32 || outsize < 37)
		return -1;
	hex[32] = '\0';
	snprintf(out, outsize, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
	return 0;
}

int
domxml_parse(const char *xml, size_t len, struct vmspec *spec, char *err, size_t errsize)
{
	const xmlNode *root, *n, *type;
	xmlDocPtr doc = NULL;
	int vmx = DOMXML_UNSET, svm = DOMXML_UNSET, evmcs = DOMXML_UNSET;
	int passthrough_like, ret = -1;
	char buf[128];

	pthread_once(&domxml_once, domxml_init_library);
	memset(spec, 0, sizeof(*spec));
	vmspec_init(spec, VMSPEC_PLAIN);
	/* A domain without <cpu> gets the hypervisor's default model. */
	spec->cpu_mode = VMSPEC_CPU_CUSTOM;
	spec->cpu_model[0] = '\0';

	if ((doc = domxml_read(xml, len, err, errsize)) == NULL)
		goto cleanup;
	if ((root = xmlDocGetRootElement(doc)) == NULL || !domxml_is(root, "domain")) {
		DERR(NULL, "not a libvirt domain: the root element is <%s>, not <domain>",
		    root != NULL ? (const char *)root->name : "");
		goto cleanup;
	}
	if ((n = domxml_child(root, "name")) == NULL) {
		DERR("domain/name", "missing (libvirt requires it)");
		goto cleanup;
	}
	if (domxml_text(n, buf, sizeof(buf), "domain/name", err, errsize) == -1)
		goto cleanup;
	if (buf[0] == '\0') {
		DERR("domain/name", "empty");
		goto cleanup;
	}
	if ((n = domxml_child(root, "uuid")) != NULL) {
		if (domxml_text(n, buf, sizeof(buf), "domain/uuid", err, errsize) == -1)
			goto cleanup;
		if (domxml_uuid(buf, spec->uuid, sizeof(spec->uuid)) == -1) {
			DERR("domain/uuid", "'%s' is not a UUID", buf);
			goto cleanup;
		}
	}
	if ((n = domxml_child(root, "os")) == NULL || (type = domxml_child(n, "type")) == NULL) {
		DERR("domain/os/type", "missing (libvirt requires it)");
		goto cleanup;
	}
	if (domxml_attr(type, "machine", spec->machine, sizeof(spec->machine), "domain/os/type",
	    err, errsize) == -1)
		goto cleanup;
	if ((n = domxml_child(root, "cpu")) != NULL && domxml_cpu(n, spec, &vmx, &svm, err, errsize) == -1)
		goto cleanup;
	if ((n = domxml_child(root, "features")) != NULL && (n = domxml_child(n, "hyperv")) != NULL &&
	    domxml_hyperv(n, spec, &evmcs, err, errsize) == -1)
		goto cleanup;
	if ((n = domxml_child(root, "clock")) != NULL && domxml_clock(n, spec, err, errsize) == -1)
		goto cleanup;

	/*
	 * Nested: vmx or svm required, or a CPU mode that passes the host's
	 * through (libvirt exposes vmx then whenever the host has it) unless the
	 * domain switches it off.
	 */
	passthrough_like = spec->cpu_mode == VMSPEC_CPU_HOST_PASSTHROUGH ||
	    spec->cpu_mode == VMSPEC_CPU_MAXIMUM;
	spec->nested = vmx == 1 || svm == 1 || (passthrough_like && vmx != 0 && svm != 0);
	/*
	 * eVMCS: <evmcs state='on'/>, or Hyper-V passthrough, which gives the
	 * guest eVMCS wherever the host offers it.  It only matters with nested
	 * VMX.  libvirt and QEMU never set the PV bit 0x4000000A.EBX[0].
	 */
	spec->evmcs = spec->nested && (evmcs == 1 || (spec->hyperv_passthrough && evmcs != 0));
	/* Listed as in use, as vmspec_from_json() lists it. */
	if (spec->evmcs && !vmspec_has_hyperv(spec, "evmcs") && vmspec_add_hyperv(spec, "evmcs") == -1) {
		DERR("features/hyperv", "more than %zu enlightenments",
		    sizeof(spec->hyperv) / sizeof(spec->hyperv[0]));
		goto cleanup;
	}
	spec->evmcs_pv = 0;
	spec->scenario = spec->evmcs ? VMSPEC_EVMCS : spec->nested ? VMSPEC_NESTED : VMSPEC_PLAIN;
	/* What QEMU drops for a feature the domain turns off is not used either. */
	vmcpu_spec_dependencies(spec, NULL);
	ret = 0;
cleanup:
	xmlFreeDoc(doc);
	return ret;
}
