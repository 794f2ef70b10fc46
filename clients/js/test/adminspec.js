// The admin API's spec (openapi/admin.yaml) as a judge of the client's exchanges: every answer
// the client receives must be documented there (status, content type) and a JSON body must
// match its schema. The emulator already refuses requests that break the spec (400/422, which
// the client throws); this checks the other direction, so the client's tests fail when the
// client and the contract drift apart.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';

const specFile = fileURLToPath(new URL('../../../openapi/admin.yaml', import.meta.url));

// pointer writes a JSON pointer fragment ajv resolves inside the spec document.
const pointer = (...parts) => '#/' + parts.map((p) => encodeURIComponent(String(p).replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');

export class AdminSpec {
  constructor() {
    this.spec = YAML.parse(readFileSync(specFile, 'utf8'));
    this.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addFormat('binary', true);
    this.ajv.addSchema(this.spec, 'admin.yaml');
    this.validators = new Map();
    // Routes: literal paths before templates, so /scenarios/schema is not /scenarios/{name}.
    this.routes = Object.keys(this.spec.paths)
      .map((p) => ({ path: p, re: new RegExp('^' + p.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+') + '$'), params: (p.match(/\{/g) ?? []).length }))
      .sort((a, b) => a.params - b.params);
    /** Every problem found, as text: a test run ends by asserting there is none. */
    this.violations = [];
    /** Exchanges judged. */
    this.checked = 0;
  }

  // ref follows a $ref inside the spec.
  #deref(obj) {
    while (obj && obj.$ref) {
      obj = obj.$ref.slice(2).split('/').reduce((o, k) => o[k.replace(/~1/g, '/').replace(/~0/g, '~')], this.spec);
    }
    return obj;
  }

  /**
   * check judges one exchange ({method, url, status, headers, body}) and returns its problems
   * (also kept in violations).
   */
  check({ method, url, status, headers, body }) {
    this.checked++;
    const problems = [];
    const p = new URL(url).pathname;
    const route = this.routes.find((r) => r.re.test(p));
    const op = route && this.spec.paths[route.path][method.toLowerCase()];
    if (!op) {
      problems.push(`${method} ${p}: no operation in admin.yaml`);
    } else {
      const resp = this.#deref(op.responses[String(status)] ?? op.responses.default);
      if (!resp) {
        problems.push(`${method} ${p} (${op.operationId}): status ${status} is not documented`);
      } else if (resp.content) {
        const ct = (headers.get('content-type') ?? '').split(';')[0].trim();
        const media = resp.content[ct];
        if (!media) {
          problems.push(`${method} ${p} (${op.operationId}) ${status}: content type ${JSON.stringify(ct)} is not one of ${Object.keys(resp.content).join(', ')}`);
        } else if (ct.endsWith('json') && body !== undefined) {
          const key = `${route.path} ${method} ${status} ${ct}`;
          let validate = this.validators.get(key);
          if (!validate) {
            const where = op.responses[String(status)]?.$ref
              ? op.responses[String(status)].$ref.slice(1).split('/').slice(1)
              : ['paths', route.path, method.toLowerCase(), 'responses', String(status)];
            validate = this.ajv.compile({ $ref: 'admin.yaml' + pointer(...where, 'content', ct, 'schema') });
            this.validators.set(key, validate);
          }
          let doc;
          try {
            doc = JSON.parse(body);
          } catch (err) {
            problems.push(`${method} ${p} (${op.operationId}) ${status}: body is not JSON: ${err.message}`);
          }
          if (doc !== undefined && !validate(doc)) {
            for (const e of validate.errors) problems.push(`${method} ${p} (${op.operationId}) ${status}: body${e.instancePath} ${e.message}`);
          }
        }
      } else if (body) {
        problems.push(`${method} ${p} (${op.operationId}) ${status}: a body where the spec has none`);
      }
    }
    this.violations.push(...problems);
    return problems;
  }
}
