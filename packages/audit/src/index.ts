/**
 * The audit trail of Swiftacare: what one access to health data was ({@link AuditRecord}), its
 * FHIR AuditEvent, the hash chain that makes changes show, the port a store implements, and
 * the group-committing log the gateway records through.
 *
 * @packageDocumentation
 */
export * from './audit-log.js';
export * from './audit-record.js';
export * from './audit-store.js';
export * from './hash-chain.js';
