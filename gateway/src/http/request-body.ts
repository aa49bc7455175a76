import { FhirError } from '@swiftacare/fhir';
import type { Context } from 'hono';
import type { GatewayEnv } from './env.js';

const jsonTypes = new Set(['application/fhir+json', 'application/json']);
const patchTypes = new Set(['application/json-patch+json']);

function mediaType(c: Context): string {
  return (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/**
 * Reads the raw body, refusing more than `limit` bytes with 413 before it is all buffered.
 */
export async function rawBody(c: Context<GatewayEnv>, limit: number): Promise<string> {
  const declared = Number(c.req.header('content-length') ?? '0');
  if (declared > limit) {
    throw new FhirError('tooLarge', `The request body is larger than the ${limit}-byte limit`);
  }
  const stream = c.req.raw.body;
  if (!stream) {
    return '';
  }
  const reader: ReadableStreamDefaultReader<Uint8Array> = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      break;
    }
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new FhirError('tooLarge', `The request body is larger than the ${limit}-byte limit`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The body of a FHIR write: JSON with a FHIR or plain JSON media type (or JSON Patch). */
export async function jsonBody(
  c: Context<GatewayEnv>,
  limit: number,
  accept: 'resource' | 'patch' = 'resource',
): Promise<{ text: string; value: unknown }> {
  const type = mediaType(c);
  const allowed = accept === 'patch' ? patchTypes : jsonTypes;
  if (!allowed.has(type)) {
    throw new FhirError(
      'unsupportedMediaType',
      accept === 'patch'
        ? 'PATCH takes a JSON Patch document: Content-Type: application/json-patch+json'
        : `Send FHIR JSON with Content-Type: application/fhir+json (got "${type || 'none'}")`,
    );
  }
  const text = await rawBody(c, limit);
  if (text.trim() === '') {
    throw new FhirError('invalid', 'The request body is empty; send a FHIR resource');
  }
  try {
    return { text, value: JSON.parse(text) as unknown };
  } catch (err) {
    throw new FhirError('invalid', `The body is not valid JSON: ${(err as Error).message}`);
  }
}

/** The form body of `POST Type/_search`. */
export async function formBody(c: Context<GatewayEnv>, limit: number): Promise<URLSearchParams> {
  const type = mediaType(c);
  if (type !== 'application/x-www-form-urlencoded') {
    throw new FhirError(
      'unsupportedMediaType',
      '_search takes its parameters as application/x-www-form-urlencoded',
    );
  }
  return new URLSearchParams(await rawBody(c, limit));
}
