/**
 * `@swiftacare/sdk`: a typed FHIR R4 client for a Swiftacare gateway tenant.
 *
 * @packageDocumentation
 */
export {
  createSwiftacareClient,
  type CreateOptions,
  type FetchLike,
  type ResourceInput,
  type SearchParams,
  type Stored,
  type SwiftacareClient,
  type SwiftacareClientOptions,
  type UpdateOptions,
} from './client.js';
export {
  ConflictError,
  errorFromResponse,
  NetworkError,
  NotFoundError,
  RateLimitError,
  ServerError,
  SwiftacareError,
  ValidationError,
  type SwiftacareErrorInit,
} from './errors.js';
export { defaultRetry, type RetryOptions } from './retry.js';
export type {
  Bundle,
  ExtractResource,
  OperationOutcome,
  Resource,
  ResourceType,
} from '@medplum/fhirtypes';
