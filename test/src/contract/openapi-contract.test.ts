import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { contractProblems, declaredOperations, type ContractResponse } from './openapi-contract.js';

type JsonObject = Record<string, unknown>;

const fhir = 'application/fhir+json; charset=utf-8';
const lastUpdated = '2024-01-02T10:00:00.000Z';
const patient = {
  resourceType: 'Patient',
  id: 'abc',
  meta: { versionId: '1', lastUpdated },
  name: [{ family: 'Smith', given: ['Ann'] }],
};
const outcome = {
  resourceType: 'OperationOutcome',
  issue: [{ severity: 'error', code: 'not-found', diagnostics: 'Patient/abc is not known' }],
};

function response(overrides: Partial<ContractResponse>): ContractResponse {
  return {
    method: 'GET',
    path: '/t/demo/fhir/R4/Patient/abc',
    status: 200,
    contentType: fhir,
    body: patient,
    ...overrides,
  };
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const document: unknown = parse(
  readFileSync(new URL('../../../openapi/openapi.yaml', import.meta.url), 'utf8'),
);

function at(tokens: readonly string[]): unknown {
  let current: unknown = document;
  for (const token of tokens) {
    current = Array.isArray(current)
      ? (current as unknown[])[Number(token)]
      : isObject(current)
        ? current[token]
        : undefined;
  }
  return current;
}

function resolveRef(ref: string): unknown {
  expect(ref, `only local $refs are used: ${ref}`).toMatch(/^#\//);
  const tokens = ref
    .slice(2)
    .split('/')
    .map((t) => decodeURIComponent(t).replaceAll('~1', '/').replaceAll('~0', '~'));
  return at(tokens);
}

/** Follows Reference Objects. */
function deref(value: unknown): unknown {
  let current = value;
  while (isObject(current) && typeof current.$ref === 'string') {
    current = resolveRef(current.$ref);
  }
  return current;
}

function collectRefs(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) {
      collectRefs(item, found);
    }
  } else if (isObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string') {
        found.push(child);
      } else {
        collectRefs(child, found);
      }
    }
  }
  return found;
}

const methods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function operations(): Array<{
  method: string;
  template: string;
  item: JsonObject;
  op: JsonObject;
}> {
  const paths = isObject(document) && isObject(document.paths) ? document.paths : {};
  return Object.entries(paths).flatMap(([template, rawItem]) => {
    const item = deref(rawItem);
    if (!isObject(item)) {
      return [];
    }
    return methods.flatMap((method) => {
      const op = item[method];
      return isObject(op) ? [{ method, template, item, op }] : [];
    });
  });
}

describe('contractProblems', () => {
  it('accepts a valid Patient read', () => {
    expect(contractProblems(response({}))).toEqual([]);
  });

  it('accepts a 404 with an OperationOutcome', () => {
    expect(contractProblems(response({ status: 404, body: outcome }))).toEqual([]);
  });

  it('rejects a 404 with a body that is not an OperationOutcome', () => {
    const problems = contractProblems(response({ status: 404, body: { error: 'x' } }));
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('\n')).toContain("required property 'resourceType'");
  });

  it('rejects an OperationOutcome without issues', () => {
    const body = { resourceType: 'OperationOutcome', issue: [] };
    expect(contractProblems(response({ status: 410, body }))).not.toEqual([]);
  });

  it('accepts a searchset Bundle', () => {
    const body = {
      resourceType: 'Bundle',
      type: 'searchset',
      total: 1,
      link: [
        { relation: 'self', url: 'https://fhir.example/t/demo/fhir/R4/Patient?family=Smith' },
        { relation: 'next', url: 'https://fhir.example/t/demo/fhir/R4/Patient?_cursor=opaque' },
      ],
      entry: [
        {
          fullUrl: 'https://fhir.example/t/demo/fhir/R4/Patient/abc',
          resource: patient,
          search: { mode: 'match' },
        },
        {
          fullUrl: 'https://fhir.example/t/demo/fhir/R4/Organization/org1',
          resource: {
            resourceType: 'Organization',
            id: 'org1',
            meta: { versionId: '3', lastUpdated },
          },
          search: { mode: 'include' },
        },
      ],
    };
    expect(
      contractProblems(response({ path: '/t/demo/fhir/R4/Patient?family=Smith', body })),
    ).toEqual([]);
    expect(
      contractProblems(response({ method: 'POST', path: '/t/demo/fhir/R4/Patient/_search', body })),
    ).toEqual([]);
  });

  it('rejects a searchset whose entries lack meta.versionId', () => {
    const body = {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [{ resource: { resourceType: 'Patient', id: 'abc' } }],
    };
    expect(contractProblems(response({ path: '/t/demo/fhir/R4/Patient', body }))).not.toEqual([]);
  });

  it('rejects a Bundle of the wrong type', () => {
    const body = { resourceType: 'Bundle', type: 'history' };
    expect(contractProblems(response({ path: '/t/demo/fhir/R4/Patient', body }))).not.toEqual([]);
  });

  it('rejects an undeclared path', () => {
    for (const path of [
      '/nope',
      '/t/demo/fhir/R4/Observation/abc',
      '/t/Bad_Tenant/fhir/R4/Patient',
    ]) {
      const problems = contractProblems(response({ path }));
      expect(problems, path).toHaveLength(1);
      expect(problems[0], path).toContain('no path of the contract matches');
    }
  });

  it('rejects an undeclared method', () => {
    const problems = contractProblems(response({ method: 'PATCH', path: '/t/demo/fhir/R4' }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('declares no PATCH operation');
  });

  it('rejects an undeclared status', () => {
    const problems = contractProblems(response({ status: 201 }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('status 201 is not declared');
    expect(
      contractProblems({
        method: 'GET',
        path: '/healthz',
        status: 500,
        contentType: null,
        body: undefined,
      }),
    ).toHaveLength(1);
  });

  it('accepts an unexpected 5xx only with an OperationOutcome', () => {
    const fatal = {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'fatal', code: 'exception' }],
    };
    expect(contractProblems(response({ status: 500, body: fatal }))).toEqual([]);
    expect(contractProblems(response({ status: 500, body: 'Internal Server Error' }))).not.toEqual(
      [],
    );
  });

  it('rejects a resource without meta.versionId', () => {
    const body = { resourceType: 'Patient', id: 'abc', meta: { lastUpdated } };
    const problems = contractProblems(response({ body }));
    expect(problems.join('\n')).toContain("required property 'versionId'");
  });

  it('rejects a resource of a type the gateway does not serve', () => {
    const body = { ...patient, resourceType: 'Observation' };
    expect(contractProblems(response({ body }))).not.toEqual([]);
  });

  it('prefers literal segments over parameters', () => {
    const capability = {
      resourceType: 'CapabilityStatement',
      status: 'active',
      kind: 'instance',
      fhirVersion: '4.0.1',
      format: ['application/fhir+json', 'application/json'],
      rest: [
        {
          mode: 'server',
          resource: [{ type: 'Patient', interaction: [{ code: 'read' }], searchParam: [] }],
          interaction: [{ code: 'transaction' }, { code: 'batch' }],
        },
      ],
    };
    expect(
      contractProblems(response({ path: '/t/demo/fhir/R4/metadata', body: capability })),
    ).toEqual([]);
    const history = {
      resourceType: 'Bundle',
      type: 'history',
      entry: [
        {
          fullUrl: 'https://fhir.example/t/demo/fhir/R4/Patient/abc',
          request: { method: 'DELETE', url: 'Patient/abc' },
          response: { status: '204', lastModified: lastUpdated },
        },
        {
          fullUrl: 'https://fhir.example/t/demo/fhir/R4/Patient/abc',
          resource: patient,
          request: { method: 'POST', url: 'Patient' },
          response: { status: '201', etag: 'W/"1"', lastModified: lastUpdated },
        },
      ],
    };
    for (const path of [
      '/t/demo/fhir/R4/Patient/_history',
      '/t/demo/fhir/R4/Patient/abc/_history',
      '/t/demo/fhir/R4/Patient/abc/_history?_count=2',
    ]) {
      expect(contractProblems(response({ path, body: history })), path).toEqual([]);
    }
    expect(contractProblems(response({ path: '/t/demo/fhir/R4/Patient/abc/_history/1' }))).toEqual(
      [],
    );
  });

  it('checks the content type', () => {
    expect(contractProblems(response({ contentType: 'application/json' }))).toEqual([]);
    expect(contractProblems(response({ contentType: 'text/html' }))[0]).toContain(
      'Content-Type text/html is not declared',
    );
    expect(contractProblems(response({ contentType: null }))).toHaveLength(1);
  });

  it('knows which responses have no body', () => {
    const del = { method: 'DELETE', status: 204, contentType: null, body: undefined };
    expect(contractProblems(response(del))).toEqual([]);
    expect(contractProblems(response({ ...del, body: outcome, contentType: fhir }))).toHaveLength(
      1,
    );
    // Prefer: return=minimal
    const created = { method: 'POST', path: '/t/demo/fhir/R4/Patient', status: 201 };
    expect(contractProblems(response({ ...created, contentType: null, body: '' }))).toEqual([]);
    expect(contractProblems(response(created))).toEqual([]);
    // Prefer: return=OperationOutcome
    const info = {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'information', code: 'informational' }],
    };
    expect(contractProblems(response({ ...created, body: info }))).toEqual([]);
    // A read always has a body.
    expect(contractProblems(response({ contentType: null, body: undefined }))).toHaveLength(1);
  });

  it('parses a body given as text', () => {
    expect(contractProblems(response({ body: JSON.stringify(patient) }))).toEqual([]);
    expect(contractProblems(response({ body: '<html>' }))).toEqual([
      expect.stringContaining('not JSON') as string,
    ]);
  });

  it('checks health and transaction responses', () => {
    const health = { method: 'GET', path: '/healthz', contentType: 'application/json' };
    expect(contractProblems(response({ ...health, body: { status: 'ok' } }))).toEqual([]);
    expect(contractProblems(response({ ...health, body: { status: 'down' } }))).not.toEqual([]);
    expect(
      contractProblems(response({ ...health, path: '/readyz', status: 503, body: outcome })),
    ).toEqual([]);
    const bundle = {
      resourceType: 'Bundle',
      type: 'batch-response',
      entry: [
        {
          resource: patient,
          response: { status: '201 Created', location: 'Patient/abc/_history/1', etag: 'W/"1"' },
        },
        { response: { status: '404', outcome } },
      ],
    };
    const tx = { method: 'POST', path: '/t/demo/fhir/R4', body: bundle };
    expect(contractProblems(response(tx))).toEqual([]);
    const noResponse = { ...bundle, entry: [{ resource: patient }] };
    expect(contractProblems(response({ ...tx, body: noResponse }))).not.toEqual([]);
  });
});

describe('declaredOperations', () => {
  it('lists every operation of the gateway', () => {
    const base = '/t/{tenant}/fhir/R4';
    expect(
      declaredOperations()
        .map(([m, p]) => `${m} ${p}`)
        .sort(),
    ).toEqual(
      [
        'GET /healthz',
        'GET /readyz',
        `GET ${base}/metadata`,
        `POST ${base}`,
        `GET ${base}/{type}`,
        `POST ${base}/{type}/_search`,
        `POST ${base}/{type}`,
        `PUT ${base}/{type}`,
        `GET ${base}/{type}/_history`,
        `GET ${base}/{type}/{id}`,
        `PUT ${base}/{type}/{id}`,
        `PATCH ${base}/{type}/{id}`,
        `DELETE ${base}/{type}/{id}`,
        `GET ${base}/{type}/{id}/_history`,
        `GET ${base}/{type}/{id}/_history/{vid}`,
        `GET ${base}/.well-known/smart-configuration`,
        `GET ${base}/AuditEvent`,
        'GET /t/{tenant}/oauth2/jwks',
        'POST /t/{tenant}/oauth2/token',
        'POST /t/{tenant}/oauth2/revoke',
        'POST /t/{tenant}/oauth2/introspect',
        'POST /t/{tenant}/auth/login',
        'POST /t/{tenant}/auth/break-glass',
      ].sort(),
    );
  });
});

describe('openapi.yaml', () => {
  it('is an OpenAPI 3.1 document', () => {
    expect(isObject(document)).toBe(true);
    const doc = document as JsonObject;
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    const info = doc.info as JsonObject;
    expect(typeof info.title).toBe('string');
    expect(typeof info.version).toBe('string');
    expect(Object.keys(doc.paths as JsonObject).every((p) => p.startsWith('/'))).toBe(true);
  });

  it('has no dangling $ref', () => {
    const refs = collectRefs(document);
    expect(refs.length).toBeGreaterThan(0);
    const dangling = refs.filter((ref) => resolveRef(ref) === undefined);
    expect(dangling).toEqual([]);
  });

  it('gives every operation a summary, a unique operationId and described responses', () => {
    const ids = new Set<string>();
    for (const { method, template, op } of operations()) {
      const where = `${method.toUpperCase()} ${template}`;
      expect(typeof op.summary, where).toBe('string');
      expect(typeof op.operationId, where).toBe('string');
      expect(ids.has(op.operationId as string), `${where}: duplicate operationId`).toBe(false);
      ids.add(op.operationId as string);
      expect(isObject(op.responses), where).toBe(true);
      const responses = op.responses as JsonObject;
      expect(Object.keys(responses).length, where).toBeGreaterThan(0);
      for (const [status, raw] of Object.entries(responses)) {
        expect(status, where).toMatch(/^([1-5](\d\d|XX)|default)$/);
        const declared = deref(raw);
        expect(isObject(declared) && typeof declared.description, `${where} ${status}`).toBe(
          'string',
        );
      }
    }
  });

  it('declares every path parameter, as required', () => {
    for (const { method, template, item, op } of operations()) {
      const params = [
        ...((item.parameters as unknown[] | undefined) ?? []),
        ...((op.parameters as unknown[] | undefined) ?? []),
      ]
        .map(deref)
        .filter(isObject);
      for (const name of template.match(/\{[^}]+\}/g) ?? []) {
        const param = params.find((p) => p.in === 'path' && `{${String(p.name)}}` === name);
        expect(param, `${method} ${template} ${name}`).toBeDefined();
        expect(param?.required, `${method} ${template} ${name}`).toBe(true);
      }
    }
  });

  it('answers every error with an OperationOutcome, except the OAuth2 endpoints', () => {
    const outcomeRef = '#/components/schemas/OperationOutcome';
    for (const { method, template, op } of operations()) {
      // OAuth2 endpoints answer errors as RFC 6749 §5.2 requires, not as FHIR does.
      if (/\/(oauth2|auth)\//.test(template) || template.endsWith('smart-configuration')) {
        continue;
      }
      for (const [status, raw] of Object.entries(op.responses as JsonObject)) {
        if (!/^[45]/.test(status) && status !== 'default') {
          continue;
        }
        const where = `${method.toUpperCase()} ${template} ${status}`;
        const content = (deref(raw) as JsonObject).content as JsonObject | undefined;
        expect(Object.keys(content ?? {}).sort(), where).toEqual([
          'application/fhir+json',
          'application/json',
        ]);
        for (const mediaType of Object.values(content ?? {})) {
          expect((mediaType as JsonObject).schema, where).toEqual({ $ref: outcomeRef });
        }
      }
    }
  });

  it('has schemas that compile in strict mode', () => {
    const ajv = new Ajv2020.default({ strict: true, strictRequired: false });
    addFormats.default(ajv);
    ajv.addVocabulary(['openapi', 'info', 'tags', 'paths', 'components']);
    const id = 'https://swiftacare.invalid/schema-check.json';
    ajv.addSchema({ ...(document as JsonObject), $id: id });
    const schemas = ((document as JsonObject).components as JsonObject).schemas as JsonObject;
    for (const name of Object.keys(schemas)) {
      expect(() => ajv.getSchema(`${id}#/components/schemas/${name}`), name).not.toThrow();
      expect(ajv.getSchema(`${id}#/components/schemas/${name}`), name).toBeTypeOf('function');
    }
  });
});
