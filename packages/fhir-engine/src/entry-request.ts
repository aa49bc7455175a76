import { FhirError, servedType } from '@swiftacare/fhir';
import type { BundleEntry } from '@medplum/fhirtypes';

/** A Bundle entry's request, taken apart. */
export interface EntryRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  type: string;
  id?: string;
  /** `_history` version, for a GET of `Type/id/_history/n`. */
  versionId?: number;
  historyOf?: boolean;
  query: URLSearchParams;
  ifMatch?: string;
  ifNoneExist?: string;
}

const methods = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

/** Parses `entry.request` ({method, url}) of entry `index`; a malformed one is a 400. */
export function entryRequest(entry: BundleEntry, index: number): EntryRequest {
  const where = `Bundle.entry[${index}].request`;
  const method = entry.request?.method;
  const url = entry.request?.url;
  if (!method || !methods.has(method) || typeof url !== 'string' || url === '') {
    throw new FhirError('invalid', {
      message: 'Each entry needs request.method (GET, POST, PUT, PATCH or DELETE) and request.url',
      expression: where,
    });
  }
  const [path = '', queryText = ''] = url.replace(/^\//, '').split('?', 2);
  const [type = '', id, history, version, extra] = path.split('/');
  const historyOk = history === undefined || history === '_history';
  if (!servedType(type) || !historyOk || extra !== undefined) {
    throw new FhirError('invalid', {
      message: `request.url "${url}" is not Type, Type/id or Type/id/_history/n of a served type`,
      expression: `${where}.url`,
    });
  }
  const versionId = version === undefined ? undefined : Number(version);
  if (versionId !== undefined && !Number.isInteger(versionId)) {
    throw new FhirError('invalid', {
      message: `Bad version in "${url}"`,
      expression: `${where}.url`,
    });
  }
  return {
    method: method as EntryRequest['method'],
    type,
    ...(id ? { id } : {}),
    ...(versionId === undefined ? {} : { versionId }),
    ...(history !== undefined && version === undefined ? { historyOf: true } : {}),
    query: new URLSearchParams(queryText),
    ...(entry.request?.ifMatch ? { ifMatch: entry.request.ifMatch } : {}),
    ...(entry.request?.ifNoneExist ? { ifNoneExist: entry.request.ifNoneExist } : {}),
  };
}
