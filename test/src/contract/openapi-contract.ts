/**
 * Checks HTTP responses against the gateway's OpenAPI document (`openapi/openapi.yaml`).
 *
 * The document is loaded once; path templates are ordered most specific first, and the JSON
 * Schema validators of response bodies are compiled on first use and cached. Schemas are
 * compiled with Ajv's JSON Schema 2020-12 build (the dialect of OpenAPI 3.1) against the whole
 * document, so `$ref: '#/components/schemas/...'` resolves as it does for any OpenAPI tool.
 */
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

// Both packages are CommonJS whose typings declare `export default`; under NodeNext the default
// import is `module.exports`, which carries the class (and the plugin) as `.default`.
const Ajv = Ajv2020.default;
const addFormatsPlugin = addFormats.default;

/** A response as a test saw it. */
export interface ContractResponse {
  method: string;
  /** Concrete request path, e.g. `/t/demo/fhir/R4/Patient/abc?x=1` (a full URL works too). */
  path: string;
  status: number;
  /** The Content-Type header, or null when there was none. */
  contentType: string | null;
  /**
   * The parsed JSON body; a string is parsed as JSON first. `undefined`, `null` and `''` mean
   * "no body".
   */
  body: unknown;
}

type JsonObject = Record<string, unknown>;

type Segment = { literal: string } | { param: string; validate: ValidateFunction | undefined };

interface PathTemplate {
  template: string;
  segments: Segment[];
  item: JsonObject;
  /** Where the Path Item sits in the document. */
  pointer: string[];
}

interface Contract {
  ajv: InstanceType<typeof Ajv>;
  document: JsonObject;
  /** Most specific first. */
  paths: PathTemplate[];
  validators: Map<string, ValidateFunction>;
}

const documentUrl = new URL('../../../openapi/openapi.yaml', import.meta.url);
/** The `$id` the document is registered under in Ajv. */
const documentId = 'https://swiftacare.invalid/openapi.json';
const httpMethods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
/** OpenAPI fields that may sit next to JSON Schema keywords; Ajv must ignore them. */
const openApiKeywords = [
  'openapi',
  'info',
  'jsonSchemaDialect',
  'servers',
  'paths',
  'webhooks',
  'components',
  'security',
  'tags',
  'externalDocs',
  'example',
  'discriminator',
  'xml',
];

let loaded: Contract | undefined;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function decodeToken(token: string): string {
  return decodeURIComponent(token).replaceAll('~1', '/').replaceAll('~0', '~');
}

function encodeToken(token: string): string {
  return encodeURIComponent(token.replaceAll('~', '~0').replaceAll('/', '~1'));
}

/** The value at a JSON pointer (as tokens) of the document, or undefined. */
function at(root: unknown, tokens: readonly string[]): unknown {
  let current = root;
  for (const token of tokens) {
    if (Array.isArray(current)) {
      current = (current as unknown[])[Number(token)];
    } else if (isObject(current)) {
      current = current[token];
    } else {
      return undefined;
    }
  }
  return current;
}

/** Follows OpenAPI Reference Objects (`$ref`) to the object they name, with its location. */
function dereference(
  document: JsonObject,
  value: unknown,
  pointer: string[],
): { value: unknown; pointer: string[] } {
  const seen = new Set<string>();
  let current = { value, pointer };
  while (isObject(current.value) && typeof current.value.$ref === 'string') {
    const ref = current.value.$ref;
    if (!ref.startsWith('#/') || seen.has(ref)) {
      throw new Error(`openapi.yaml: unsupported or circular $ref ${ref}`);
    }
    seen.add(ref);
    const tokens = ref.slice(2).split('/').map(decodeToken);
    current = { value: at(document, tokens), pointer: tokens };
    if (current.value === undefined) {
      throw new Error(`openapi.yaml: $ref ${ref} does not resolve`);
    }
  }
  return current;
}

/** The JSON Schema validator of the schema at a JSON pointer of the document, compiled once. */
function validatorAt(contract: Contract, pointer: readonly string[]): ValidateFunction {
  const fragment = `#/${pointer.map(encodeToken).join('/')}`;
  let validate = contract.validators.get(fragment);
  if (!validate) {
    validate = contract.ajv.getSchema(documentId + fragment) as ValidateFunction | undefined;
    if (!validate) {
      throw new Error(`openapi.yaml: no schema at ${fragment}`);
    }
    contract.validators.set(fragment, validate);
  }
  return validate;
}

/** The path parameter named `name` of a path item (or of one of its operations). */
function pathParameter(
  document: JsonObject,
  item: JsonObject,
  itemPointer: string[],
  name: string,
): { value: JsonObject; pointer: string[] } | undefined {
  const lists: Array<{ list: unknown; pointer: string[] }> = [
    { list: item.parameters, pointer: [...itemPointer, 'parameters'] },
    ...httpMethods.map((method) => ({
      list: isObject(item[method]) ? item[method].parameters : undefined,
      pointer: [...itemPointer, method, 'parameters'],
    })),
  ];
  for (const { list, pointer } of lists) {
    if (!Array.isArray(list)) {
      continue;
    }
    for (const [index, entry] of (list as unknown[]).entries()) {
      const parameter = dereference(document, entry, [...pointer, String(index)]);
      if (
        isObject(parameter.value) &&
        parameter.value.in === 'path' &&
        parameter.value.name === name
      ) {
        return { value: parameter.value, pointer: parameter.pointer };
      }
    }
  }
  return undefined;
}

/** Negative when `a` is more specific: at the first position where they differ, a literal wins. */
function bySpecificity(a: PathTemplate, b: PathTemplate): number {
  const length = Math.min(a.segments.length, b.segments.length);
  for (let i = 0; i < length; i++) {
    const aSegment = a.segments[i];
    const bSegment = b.segments[i];
    const aLiteral = aSegment !== undefined && 'literal' in aSegment;
    const bLiteral = bSegment !== undefined && 'literal' in bSegment;
    if (aLiteral !== bLiteral) {
      return aLiteral ? -1 : 1;
    }
  }
  return b.segments.length - a.segments.length;
}

function load(): Contract {
  if (loaded) {
    return loaded;
  }
  const parsed: unknown = parse(readFileSync(documentUrl, 'utf8'));
  if (!isObject(parsed) || !isObject(parsed.paths)) {
    throw new Error('openapi.yaml: not an OpenAPI document with paths');
  }
  const document = parsed;
  const ajv = new Ajv({ strict: true, strictRequired: false, allErrors: true });
  addFormatsPlugin(ajv);
  ajv.addVocabulary(openApiKeywords);
  ajv.addSchema({ ...document, $id: documentId });
  const contract: Contract = { ajv, document, paths: [], validators: new Map() };

  for (const [template, rawItem] of Object.entries(parsed.paths)) {
    const itemPointer = ['paths', template];
    const resolved = dereference(document, rawItem, itemPointer);
    if (!isObject(resolved.value)) {
      throw new Error(`openapi.yaml: path ${template} is not a Path Item`);
    }
    const item = resolved.value;
    const segments = template.split('/').map((segment): Segment => {
      const name = /^\{([^{}]+)\}$/.exec(segment)?.[1];
      if (name === undefined) {
        return { literal: segment };
      }
      const parameter = pathParameter(document, item, resolved.pointer, name);
      if (!parameter) {
        throw new Error(`openapi.yaml: path ${template} does not declare parameter ${name}`);
      }
      const validate =
        parameter.value.schema === undefined
          ? undefined
          : validatorAt(contract, [...parameter.pointer, 'schema']);
      return { param: name, validate };
    });
    contract.paths.push({ template, segments, item, pointer: resolved.pointer });
  }
  contract.paths.sort(bySpecificity);
  loaded = contract;
  return contract;
}

/** The most specific path template the concrete path matches. */
function matchPath(contract: Contract, path: string): PathTemplate | undefined {
  const pathname = new URL(path, 'http://contract.invalid').pathname;
  const concrete = pathname.split('/');
  return contract.paths.find(({ segments }) => {
    if (segments.length !== concrete.length) {
      return false;
    }
    return segments.every((segment, i) => {
      const raw = concrete[i] ?? '';
      if ('literal' in segment) {
        return segment.literal === raw;
      }
      let value: string;
      try {
        value = decodeURIComponent(raw);
      } catch {
        return false;
      }
      return value !== '' && (segment.validate === undefined || segment.validate(value));
    });
  });
}

/** The media type without parameters, lower case: `application/fhir+json`. */
function essence(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}

/** The declared media type key that covers the actual one (exact first, then ranges). */
function declaredMediaType(declared: readonly string[], actual: string): string | undefined {
  const [type = ''] = actual.split('/');
  return (
    declared.find((key) => essence(key) === actual) ??
    declared.find((key) => essence(key) === `${type}/*`) ??
    declared.find((key) => essence(key) === '*/*')
  );
}

function describeError(error: ErrorObject): string {
  const where = error.instancePath === '' ? 'body' : `body${error.instancePath}`;
  const params = error.params as Record<string, unknown>;
  const allowed =
    error.keyword === 'enum'
      ? ` (${JSON.stringify(params.allowedValues)})`
      : error.keyword === 'const'
        ? ` (${JSON.stringify(params.allowedValue)})`
        : '';
  return `${where} ${error.message ?? 'is invalid'}${allowed}`;
}

/** Returns the problems found (empty when the response matches the contract). */
export function contractProblems(response: ContractResponse): string[] {
  const contract = load();
  const method = response.method.toLowerCase();
  const label = `${response.method.toUpperCase()} ${response.path} → ${response.status}`;

  const path = matchPath(contract, response.path);
  if (!path) {
    return [`${label}: no path of the contract matches ${response.path}`];
  }
  const operation = path.item[method];
  if (!httpMethods.includes(method) || !isObject(operation)) {
    const declared = httpMethods.filter((m) => isObject(path.item[m])).map((m) => m.toUpperCase());
    return [
      `${label}: ${path.template} declares no ${response.method.toUpperCase()} operation (declared: ${declared.join(', ')})`,
    ];
  }
  const where = `${label} (${response.method.toUpperCase()} ${path.template})`;

  const responses = isObject(operation.responses) ? operation.responses : {};
  const status = String(response.status);
  const key = [status, `${status.charAt(0)}XX`, `${status.charAt(0)}xx`, 'default'].find(
    (k) => k in responses,
  );
  if (key === undefined) {
    return [
      `${where}: status ${status} is not declared (declared: ${Object.keys(responses).join(', ')})`,
    ];
  }
  const pointer = [...path.pointer, method, 'responses', key];
  const declared = dereference(contract.document, responses[key], pointer);
  if (!isObject(declared.value)) {
    return [`${where}: response ${key} is not a Response Object`];
  }
  const content = isObject(declared.value.content) ? declared.value.content : {};
  const mediaTypes = Object.keys(content);
  const { body } = response;
  const empty = body === undefined || body === null || body === '';

  if (mediaTypes.length === 0) {
    return empty ? [] : [`${where}: the response declares no body, but one was sent`];
  }
  if (empty) {
    return declared.value['x-body-optional'] === true
      ? []
      : [`${where}: expected a body (${mediaTypes.join(' or ')}), got none`];
  }
  if (response.contentType === null) {
    return [
      `${where}: a body was sent without a Content-Type (expected ${mediaTypes.join(' or ')})`,
    ];
  }
  const actual = essence(response.contentType);
  const mediaType = declaredMediaType(mediaTypes, actual);
  if (mediaType === undefined) {
    return [
      `${where}: Content-Type ${response.contentType} is not declared (declared: ${mediaTypes.join(', ')})`,
    ];
  }
  const mediaTypeObject = content[mediaType];
  if (!isObject(mediaTypeObject) || mediaTypeObject.schema === undefined) {
    return [];
  }

  let data: unknown = body;
  if (typeof body === 'string') {
    try {
      data = JSON.parse(body);
    } catch {
      return [`${where}: the body is not JSON`];
    }
  }
  const validate = validatorAt(contract, [...declared.pointer, 'content', mediaType, 'schema']);
  if (validate(data)) {
    return [];
  }
  return (validate.errors ?? []).map((error) => `${where}: ${describeError(error)}`);
}

/** Every (method, path template) pair the document declares, e.g. ['GET', '/t/{tenant}/fhir/R4/{type}/{id}']. */
export function declaredOperations(): Array<[string, string]> {
  const contract = load();
  const paths = contract.document.paths as JsonObject;
  const operations: Array<[string, string]> = [];
  for (const template of Object.keys(paths)) {
    const item = dereference(contract.document, paths[template], ['paths', template]).value;
    if (!isObject(item)) {
      continue;
    }
    for (const key of Object.keys(item)) {
      if (httpMethods.includes(key) && isObject(item[key])) {
        operations.push([key.toUpperCase(), template]);
      }
    }
  }
  return operations;
}
