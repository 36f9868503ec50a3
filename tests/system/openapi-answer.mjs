// openapi-answer.mjs DOC METHOD PATH STATUS BODY - does the JSON answer in
// the file BODY match the schema doc/openapi.yaml gives for METHOD PATH
// (as the document spells it: /v1/hosts/{id}) and STATUS?  Exit 0 when it
// does, 1 with the mismatches on standard error (or a route or status the
// document lacks), 2 when the document gives that answer no JSON schema.  Runs with tests/node's modules (ajv,
// ajv-formats and yaml come with the OpenAPI validator installed there).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const [doc, method, path, status, body] = process.argv.slice(2);
const require = createRequire(join(process.env.MIGCOMPAT_NODE_MODULES, "x.js"));
const Ajv2020 = require("ajv/dist/2020").default;
const addFormats = require("ajv-formats").default;
const YAML = require("yaml");

const api = YAML.parse(readFileSync(doc, "utf8"));
const ptr = (...parts) => "#/" + parts.map((p) => encodeURIComponent(String(p).replace(/~/g, "~0").replace(/\//g, "~1"))).join("/");

const op = api.paths?.[path]?.[method.toLowerCase()];
if (op === undefined) {
	console.error(`${method} ${path}: not in the document`);
	process.exit(1);
}
let where = ["paths", path, method.toLowerCase(), "responses", status];
let resp = op.responses?.[status];
if (resp === undefined) {
	console.error(`${method} ${path}: status ${status} is not documented`);
	process.exit(1);
}
if (resp?.$ref !== undefined) {
	const name = resp.$ref.split("/").pop();
	where = ["components", "responses", name];
	resp = api.components.responses[name];
}
if (resp?.content?.["application/json"]?.schema === undefined) {
	console.error(`${method} ${path} ${status}: no JSON schema in the document`);
	process.exit(2);
}
where.push("content", "application/json", "schema");

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(api, "api");
const validate = ajv.compile({ $ref: "api" + ptr(...where) });
const answer = JSON.parse(readFileSync(body, "utf8"));
if (validate(answer))
	process.exit(0);
for (const e of validate.errors.slice(0, 10))
	console.error(`${method} ${path} ${status}: ${e.instancePath || "/"} ${e.message} (${e.schemaPath})`);
process.exit(1);
