import { describe, expect, it } from 'vitest';
import {
  auditRecordJson,
  normalizeAuditRecord,
  toAuditEvent,
  type AuditRecord,
} from './audit-record.js';
import { canonicalJson } from './hash-chain.js';

const read: AuditRecord = {
  tenant: 'alpha',
  recorded: '2025-03-01T10:00:00.000Z',
  action: 'R',
  interaction: 'read',
  outcome: 'success',
  status: 200,
  who: { user: 'dr-lee', client: 'ehr-app', role: 'psychiatrist' },
  what: { type: 'Observation', id: 'obs-1', patient: 'pat-1' },
  address: '10.0.0.7',
  requestId: 'req-1',
};

describe('toAuditEvent', () => {
  it('makes a FHIR R4 AuditEvent of a read by a user through a client', () => {
    expect(toAuditEvent(read, '42')).toEqual({
      resourceType: 'AuditEvent',
      id: '42',
      type: {
        system: 'http://terminology.hl7.org/CodeSystem/audit-event-type',
        code: 'rest',
        display: 'RESTful Operation',
      },
      subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: 'read' }],
      action: 'R',
      recorded: '2025-03-01T10:00:00.000Z',
      outcome: '0',
      outcomeDesc: 'HTTP 200',
      agent: [
        {
          type: {
            coding: [
              {
                system: 'http://terminology.hl7.org/CodeSystem/extra-security-role-type',
                code: 'humanuser',
                display: 'human user',
              },
            ],
          },
          role: [{ text: 'psychiatrist' }],
          who: { identifier: { value: 'dr-lee' } },
          requestor: true,
          network: { address: '10.0.0.7', type: '2' },
        },
        {
          type: {
            coding: [
              {
                system: 'http://dicom.nema.org/resources/ontology/DCM',
                code: '110150',
                display: 'Application',
              },
            ],
          },
          who: { identifier: { value: 'ehr-app' } },
          requestor: false,
        },
      ],
      source: {
        site: 'alpha',
        observer: { display: 'Swiftacare gateway' },
        type: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/security-source-type',
            code: '4',
            display: 'Application Server',
          },
        ],
      },
      entity: [
        {
          what: { reference: 'Observation/obs-1' },
          type: {
            system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type',
            code: '2',
            display: 'System Object',
          },
          role: {
            system: 'http://terminology.hl7.org/CodeSystem/object-role',
            code: '4',
            display: 'Domain Resource',
          },
        },
        {
          what: { reference: 'Patient/pat-1' },
          type: {
            system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type',
            code: '1',
            display: 'Person',
          },
          role: {
            system: 'http://terminology.hl7.org/CodeSystem/object-role',
            code: '1',
            display: 'Patient',
          },
        },
        {
          what: { identifier: { value: 'req-1' } },
          type: {
            system: 'https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType',
            code: 'XrequestId',
          },
        },
      ],
    });
  });

  it('codes refused and failed outcomes 4 and 8', () => {
    expect(toAuditEvent({ ...read, outcome: 'refused', status: 403 })).toMatchObject({
      outcome: '4',
      outcomeDesc: 'HTTP 403',
    });
    expect(toAuditEvent({ ...read, outcome: 'failed', status: 500 }).outcome).toBe('8');
  });

  it('records break-glass as purposeOfEvent ETREAT with the reason', () => {
    const event = toAuditEvent({ ...read, emergency: { reason: 'Patient at risk of self-harm' } });
    expect(event.purposeOfEvent).toEqual([
      {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason',
            code: 'ETREAT',
            display: 'Emergency Treatment',
          },
        ],
        text: 'Patient at risk of self-harm',
      },
    ]);
    expect(toAuditEvent(read).purposeOfEvent).toBeUndefined();
  });

  it('uses a search by type, one patient entity for a patient, and other interactions', () => {
    const search = toAuditEvent({
      ...read,
      interaction: 'search-type',
      what: { type: 'Observation', patient: 'pat-1' },
    });
    expect(search.subtype?.[0]?.code).toBe('search-type');
    expect(search.entity?.map((e) => e.what)).toEqual([
      { type: 'Observation' },
      { reference: 'Patient/pat-1' },
      { identifier: { value: 'req-1' } },
    ]);

    const patient = toAuditEvent({ ...read, what: { type: 'Patient', id: 'p', patient: 'p' } });
    expect(patient.entity?.map((e) => e.role?.display)).toEqual(['Patient', undefined]);

    const login = toAuditEvent({
      ...read,
      interaction: 'login',
      action: 'E',
      what: undefined,
      who: { user: 'dr-lee' },
    });
    expect(login.subtype).toEqual([
      { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110122', display: 'Login' },
    ]);
    expect(login.entity).toHaveLength(1);
    const token = toAuditEvent({ ...read, interaction: 'token', who: { client: 'svc' } });
    expect(token.subtype).toEqual([{ system: 'urn:swiftacare:audit-interaction', code: 'token' }]);
    // Without a user, the client is the requestor and carries the address.
    expect(token.agent).toMatchObject([
      { who: { identifier: { value: 'svc' } }, requestor: true, network: { address: '10.0.0.7' } },
    ]);
    const anonymous = toAuditEvent({ ...read, who: {}, outcome: 'refused', status: 401 });
    expect(anonymous.agent).toEqual([
      {
        who: { display: 'anonymous' },
        requestor: true,
        network: { address: '10.0.0.7', type: '2' },
      },
    ]);
  });
});

describe('normalizeAuditRecord', () => {
  it('keeps the fields of a record only and writes the time in UTC', () => {
    const input = {
      ...read,
      recorded: '2025-03-01T12:00:00+02:00',
      body: '{"resourceType":"Observation"}',
      who: { ...read.who, token: 'secret' },
      emergency: { reason: 'r', note: 'x' },
    } as AuditRecord;
    expect(normalizeAuditRecord(input)).toEqual({ ...read, emergency: { reason: 'r' } });
    expect(normalizeAuditRecord(normalizeAuditRecord(input))).toEqual(normalizeAuditRecord(input));
    expect(normalizeAuditRecord({ ...read, who: { user: 'u', role: '' }, address: '' })).toEqual({
      ...read,
      who: { user: 'u' },
      address: undefined,
    });
  });

  it('refuses what is not a record', () => {
    const bad = (patch: Record<string, unknown>) => () =>
      normalizeAuditRecord({ ...read, ...patch });
    expect(bad({ tenant: '' })).toThrow(/tenant/);
    expect(bad({ recorded: 'yesterday' })).toThrow(/date-time/);
    expect(bad({ action: 'X' })).toThrow(/action/);
    expect(bad({ outcome: 'ok' })).toThrow(/outcome/);
    expect(bad({ status: '200' })).toThrow(/status/);
    expect(bad({ what: { id: 'x' } })).toThrow(/what.type/);
    expect(bad({ who: { user: 7 } })).toThrow(/who.user/);
    expect(bad({ requestId: undefined })).toThrow(/requestId/);
  });
});

describe('auditRecordJson', () => {
  // Key orders a caller might use: as written, reversed, and shuffled by a fixed rotation.
  const reordered = (value: Record<string, unknown>, turn: number): Record<string, unknown> => {
    const keys = Object.keys(value);
    const order =
      turn === 0
        ? keys
        : turn === 1
          ? [...keys].reverse()
          : keys.map((_, i) => keys[(i + 3) % keys.length] ?? '');
    const out: Record<string, unknown> = {};
    for (const key of order) {
      const v = value[key];
      out[key] =
        v !== null && typeof v === 'object' ? reordered(v as Record<string, unknown>, turn) : v;
    }
    return out;
  };
  const records: AuditRecord[] = [
    read,
    { ...read, emergency: { reason: 'Crisis: "unreachable", \\ ü 漢 😀' } },
    { ...read, who: { client: 'svc' }, what: { type: 'Appointment' }, address: undefined },
    {
      ...read,
      what: undefined,
      interaction: 'login',
      action: 'E',
      outcome: 'refused',
      status: 401,
    },
    { ...read, requestId: 'line\nbreak\u2028and\ttab', who: { role: 'patient', user: 'p-1' } },
  ];

  it('writes exactly the canonical JSON of the normal form, whatever the key order', () => {
    for (const record of records) {
      for (const turn of [0, 1, 2]) {
        const input = reordered(record as unknown as Record<string, unknown>, turn);
        const text = auditRecordJson(input as unknown as AuditRecord);
        expect(text).toBe(canonicalJson(normalizeAuditRecord(record)));
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(normalizeAuditRecord(record))));
      }
    }
  });

  it('never holds a raw line break, so stores may keep a record per line', () => {
    for (const record of records) {
      expect(auditRecordJson(record)).not.toMatch(/\n/);
    }
  });
});
