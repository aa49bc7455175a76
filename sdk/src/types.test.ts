import type { Appointment, Bundle, Patient } from '@medplum/fhirtypes';
import { describe, expectTypeOf, it } from 'vitest';
import { createSwiftacareClient, type Stored } from './index.js';

// Type-level only: these calls are never awaited against a server; `tsc -b` checks them.
const fhir = createSwiftacareClient({
  baseUrl: 'https://fhir.example.test/t/acme/fhir/R4',
  fetch: () => Promise.reject(new Error('not sent')),
});

describe('types', () => {
  it('read resolves to the resource type of its first argument', () => {
    const read = (id: string) => fhir.read('Patient', id);
    expectTypeOf(read).returns.resolves.toExtend<Patient>();
    expectTypeOf(read).returns.resolves.toEqualTypeOf<Stored<Patient>>();
    expectTypeOf(fhir.read<'Appointment'>).returns.resolves.toEqualTypeOf<
      Appointment & { id: string }
    >();
    expectTypeOf<Awaited<ReturnType<typeof fhir.read<'Patient'>>>['id']>().toEqualTypeOf<string>();
  });

  it('search, searchAll, create and update are typed by resource type', () => {
    expectTypeOf(fhir.search<'Appointment'>).returns.resolves.toEqualTypeOf<
      Bundle<Stored<Appointment>>
    >();
    expectTypeOf(fhir.searchAll<'Appointment'>).returns.toEqualTypeOf<
      AsyncGenerator<Stored<Appointment>, void, undefined>
    >();
    const create = () => fhir.create({ resourceType: 'Patient', name: [{ family: 'x' }] });
    expectTypeOf(create).returns.resolves.toEqualTypeOf<Stored<Patient>>();
    const update = (p: Stored<Patient>) => fhir.update(p);
    expectTypeOf(update).returns.resolves.toEqualTypeOf<Stored<Patient>>();
  });

  it('checks what is written against the resource type', () => {
    const wrong = () => {
      // @ts-expect-error: gender is a code of administrative-gender
      void fhir.create({ resourceType: 'Patient', gender: 'robot' });
      // @ts-expect-error: Patient has no status
      void fhir.create({ resourceType: 'Patient', status: 'booked' });
      // @ts-expect-error: not a resource type
      void fhir.read('Patients', 'id');
    };
    expectTypeOf(wrong).toBeFunction();
  });
});
