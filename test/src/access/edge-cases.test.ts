import type { TestGateway } from '@swiftacare/gateway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminRead,
  bodyOf,
  bundleOf,
  type Caller,
  countOf,
  createAs,
  identifierSystem,
  idsOf,
  openStage,
  outcomeOf,
  type PrincipalName,
  type Resource,
  send,
  type Stage,
  unknownId,
  withoutId,
  type World,
} from './world.js';

// Corners of the access rules: deleted records, includes and chains across types, care links
// made by the callers themselves, record history, conditional writes, Bundles that write. Each
// scenario makes its own records (a fresh patient "victim" in U's care, like Q), so the order of
// the tests does not matter.

let gw: TestGateway;
let acme: World;
let callerFor: Stage['callerFor'];

beforeAll(async () => {
  ({ gw, acme, callerFor } = await openStage());
});
afterAll(async () => {
  await gw.close();
});

const as = (who: PrincipalName, method: string, path: string, body?: unknown) =>
  send(gw, callerFor(who), method, `${acme.base}/${path}`, body === undefined ? {} : { body });

/**
 * A patient in U's care only, like Q (same name, so the leak scan spots them, but an identifier
 * of their own), with a message and a session note about them.
 */
async function victim(): Promise<{ patient: Resource; message: Resource; note: Resource }> {
  const refs = { ...acme.refs };
  const patient = await createAs(gw, acme.base, {
    ...bodyOf('Patient', 'out', refs, acme.names),
    identifier: [{ system: identifierSystem, value: `MRN-VICTIM-${unknownId()}` }],
  });
  refs.Q = patient.id;
  return {
    patient,
    message: await createAs(gw, acme.base, bodyOf('Communication', 'out', refs, acme.names)),
    note: await createAs(gw, acme.base, bodyOf('DocumentReference', 'out', refs, acme.names)),
  };
}

/** Forgets T's cached care links, as the 60 seconds of `cared-for.ts` would. */
async function caredForExpires(): Promise<void> {
  await gw.services.cache.delete(`cared:acme:Practitioner/${acme.refs.T}`);
}

const appointmentOf = (actors: string[]): Record<string, unknown> => ({
  resourceType: 'Appointment',
  status: 'booked',
  start: '2030-04-01T10:00:00Z',
  end: '2030-04-01T10:30:00Z',
  participant: actors.map((reference) => ({ actor: { reference }, status: 'accepted' })),
});

/** The versions a history Bundle lists, newest first; a deletion shows as `deleted`. */
const versionsIn = (res: Parameters<typeof bundleOf>[0]): string[] =>
  (bundleOf(res).entry ?? []).map((e) => e.resource?.meta?.versionId ?? 'deleted');

describe('deleted records', () => {
  // A record outside the caller's compartment that was deleted must answer the 404 an unknown
  // id gets, not 410 "was deleted", which would tell the caller it existed.
  it("a deleted record of Q's answers the narrowed roles exactly like an unknown id", async () => {
    const { message } = await victim();
    expect((await gw.request('DELETE', `${acme.base}/Communication/${message.id}`)).status).toBe(
      204,
    );
    const ghost = unknownId();
    for (const who of ['practitioner', 'patient'] as const) {
      const res = await as(who, 'GET', `Communication/${message.id}`);
      const missing = await as(who, 'GET', `Communication/${ghost}`);
      expect(res.status, `${who}: ${res.text}`).toBe(404);
      expect(withoutId(res.text, message.id)).toBe(withoutId(missing.text, ghost));
    }
  });

  // The same through a batch entry.
  it("a deleted record of Q's read in a batch answers 404", async () => {
    const { note } = await victim();
    await gw.request('DELETE', `${acme.base}/DocumentReference/${note.id}`);
    const res = await send(gw, callerFor('practitioner'), 'POST', acme.base, {
      body: {
        resourceType: 'Bundle',
        type: 'batch',
        entry: [{ request: { method: 'GET', url: `DocumentReference/${note.id}` } }],
      },
    });
    expect(res.status, res.text).toBe(200);
    expect(bundleOf(res).entry?.[0]?.response?.status).toBe('404');
  });

  it("vread and history of a deleted record of Q's answer 404", async () => {
    const { message } = await victim();
    await gw.request('DELETE', `${acme.base}/Communication/${message.id}`);
    for (const suffix of ['_history', '_history/1', '_history/2']) {
      const res = await as('practitioner', 'GET', `Communication/${message.id}/${suffix}`);
      expect(res.status, `${suffix}: ${res.text}`).toBe(404);
    }
  });

  // Deleting it again must not tell T it existed either: 404, word for word as for an unknown id.
  it("deleting a deleted record of Q's answers T 404, like an unknown id", async () => {
    const { note } = await victim();
    await gw.request('DELETE', `${acme.base}/DocumentReference/${note.id}`);
    const ghost = unknownId();
    const res = await as('practitioner', 'DELETE', `DocumentReference/${note.id}`);
    const missing = await as('practitioner', 'DELETE', `DocumentReference/${ghost}`);
    expect(res.status, res.text).toBe(404);
    expect(withoutId(res.text, note.id)).toBe(withoutId(missing.text, ghost));
  });

  // A record deleted from T's own compartment stays T's (it is judged by its last version before
  // the deletion, see version-visibility.ts): a read answers 410, its history is readable as the
  // admin's is, and deleting it again answers 204 as FHIR's idempotent delete asks.
  it("a practitioner's own deleted record: history readable and delete idempotent", async () => {
    const mine = await createAs(
      gw,
      acme.base,
      bodyOf('Communication', 'in', acme.refs, acme.names),
    );
    expect((await as('practitioner', 'DELETE', `Communication/${mine.id}`)).status).toBe(204);
    expect((await as('practitioner', 'GET', `Communication/${mine.id}`)).status).toBe(410);
    expect((await as('practitioner', 'DELETE', `Communication/${mine.id}`)).status).toBe(204);
    const history = await as('practitioner', 'GET', `Communication/${mine.id}/_history`);
    expect(history.status, history.text).toBe(200);
    expect(versionsIn(history)).toEqual(['deleted', '1']);
    expect((await as('practitioner', 'GET', `Communication/${mine.id}/_history/1`)).status).toBe(
      200,
    );
    expect((await as('practitioner', 'GET', `Communication/${mine.id}/_history/2`)).status).toBe(
      410,
    );
  });

  it('a patient reads the history of their own deleted message', async () => {
    const mine = await createAs(
      gw,
      acme.base,
      bodyOf('Communication', 'in', acme.refs, acme.names),
    );
    await gw.request('DELETE', `${acme.base}/Communication/${mine.id}`);
    expect((await as('patient', 'GET', `Communication/${mine.id}`)).status).toBe(410);
    const history = await as('patient', 'GET', `Communication/${mine.id}/_history`);
    expect(history.status, history.text).toBe(200);
    expect(versionsIn(history)).toEqual(['deleted', '1']);
  });

  it("a practitioner's own deleted record read in a batch answers 410", async () => {
    const mine = await createAs(
      gw,
      acme.base,
      bodyOf('DocumentReference', 'in', acme.refs, acme.names),
    );
    await gw.request('DELETE', `${acme.base}/DocumentReference/${mine.id}`);
    const res = await send(gw, callerFor('practitioner'), 'POST', acme.base, {
      body: {
        resourceType: 'Bundle',
        type: 'batch',
        entry: [
          { request: { method: 'GET', url: `DocumentReference/${mine.id}` } },
          { request: { method: 'DELETE', url: `DocumentReference/${mine.id}` } },
        ],
      },
    });
    expect(res.status, res.text).toBe(200);
    expect(bundleOf(res).entry?.map((e) => e.response?.status)).toEqual(['410', '204 No Content']);
  });
});

describe('_include and _revinclude of types the caller has no scope for', () => {
  // Included resources obey scopes as well as compartments: staff have no scope on
  // Communication or DocumentReference, so _revinclude brings none; a client registered for
  // Appointment only gets no Patients through _include.
  it('staff get no Communication through _revinclude', async () => {
    const res = await as('institution-staff', 'GET', 'Patient?_revinclude=Communication:patient');
    const leaked = idsOf(bundleOf(res), 'include');
    expect(res.status === 403 || leaked.length === 0, `included: ${leaked.join(', ')}`).toBe(true);
  });

  it('staff get no DocumentReference through _revinclude', async () => {
    const res = await as(
      'institution-staff',
      'GET',
      'Patient?_revinclude=DocumentReference:patient',
    );
    const leaked = idsOf(bundleOf(res), 'include');
    expect(res.status === 403 || leaked.length === 0, `included: ${leaked.join(', ')}`).toBe(true);
  });

  it('an Appointment-only client gets no Patient through _include', async () => {
    const res = await as('system-appointment', 'GET', 'Appointment?_include=Appointment:patient');
    const leaked = idsOf(bundleOf(res), 'include');
    expect(res.status === 403 || leaked.length === 0, `included: ${leaked.join(', ')}`).toBe(true);
  });
});

describe('chained searches', () => {
  // A chain searches its target type, so it needs the scope on that type and is narrowed to
  // the caller's compartment there; otherwise a client with system/Appointment.cruds only could
  // test Patient identifiers one guess at a time.
  it('an Appointment-only client cannot probe Patient identifiers', async () => {
    const res = await as(
      'system-appointment',
      'GET',
      `Appointment?patient.identifier=${acme.names.qIdentifier}`,
    );
    expect(res.status === 403 || idsOf(bundleOf(res)).length === 0, res.text).toBe(true);
  });

  // The same for staff and clinical content: a reference parameter that can point at a
  // DocumentReference (here Appointment.supportingInformation) must not let staff test its text.
  it('staff cannot probe the text of a session note through a chain', async () => {
    const { note } = await victim();
    const appointment = appointmentOf([`Patient/${acme.refs.Q}`, `Practitioner/${acme.refs.U}`]);
    await createAs(gw, acme.base, {
      ...appointment,
      supportingInformation: [{ reference: `DocumentReference/${note.id}` }],
    });
    const res = await as(
      'institution-staff',
      'GET',
      `Appointment?supporting-info.description=${acme.names.qNote}`,
    );
    expect(res.status === 403 || idsOf(bundleOf(res)).length === 0, res.text).toBe(true);
  });

  // T may see a note T wrote about a patient T does not care for (DocumentReference by
  // author), but not that patient: a chain on the note's patient is narrowed to T's
  // compartment, so guessing the patient's name or birth date reveals nothing.
  it("a practitioner cannot probe a hidden patient's name through a visible note", async () => {
    const { patient } = await victim();
    const note = await createAs(gw, acme.base, {
      ...bodyOf('DocumentReference', 'in', acme.refs, acme.names),
      subject: { reference: `Patient/${patient.id}` },
    });
    expect((await as('practitioner', 'GET', `DocumentReference/${note.id}`)).status).toBe(200);
    expect((await as('practitioner', 'GET', `Patient/${patient.id}`)).status).toBe(404);
    // _include respects the compartment...
    const included = await as(
      'practitioner',
      'GET',
      `DocumentReference?_id=${note.id}&_include=DocumentReference:patient`,
    );
    expect(idsOf(bundleOf(included), 'include')).toEqual([]);
    // ...a chain does not.
    for (const probe of [`patient.family=${acme.names.Q}`, 'patient.birthdate=1985-05-05']) {
      const res = await as('practitioner', 'GET', `DocumentReference?_id=${note.id}&${probe}`);
      expect(idsOf(bundleOf(res)), probe).toEqual([]);
    }
  });
});

describe('care links the callers make themselves', () => {
  // Care links (appointments, care teams, general practitioner) widen a practitioner's
  // compartment, so a narrowed caller's write may concern only patients they reached before it
  // (`assertMayConcern` in gateway/src/access/access-policy.ts). Each refusal below is a write
  // that used to succeed and hand a patient's record to someone nobody had approved.
  const practitionerPatch = (path: string, patch: unknown) =>
    send(gw, callerFor('practitioner'), 'PATCH', `${acme.base}/${path}`, {
      body: patch,
      headers: { 'content-type': 'application/json-patch+json' },
    });

  it("a patient's booking cannot open another patient's record to a practitioner", async () => {
    const { patient, message, note } = await victim();
    const before = await countOf(gw, acme.base, 'Appointment');
    const booked = await as(
      'patient',
      'POST',
      'Appointment',
      appointmentOf([
        `Patient/${acme.refs.P}`,
        `Patient/${patient.id}`,
        `Practitioner/${acme.refs.T}`,
      ]),
    );
    expect(booked.status, booked.text).toBe(403);
    expect(outcomeOf(booked).issue[0]?.diagnostics).toContain(`Patient/${patient.id}`);
    expect(await countOf(gw, acme.base, 'Appointment')).toBe(before);
    await caredForExpires();
    const reads = [
      await as('practitioner', 'GET', `Patient/${patient.id}`),
      await as('practitioner', 'GET', `Communication/${message.id}`),
      await as('practitioner', 'GET', `DocumentReference/${note.id}`),
    ];
    expect(reads.map((r) => r.status)).toEqual([404, 404, 404]);
  });

  it('a practitioner cannot open a patient to themselves by booking them', async () => {
    const { patient, note } = await victim();
    const before = await countOf(gw, acme.base, 'Appointment');
    const booked = await as(
      'practitioner',
      'POST',
      'Appointment',
      appointmentOf([`Patient/${patient.id}`, `Practitioner/${acme.refs.T}`]),
    );
    expect(booked.status, booked.text).toBe(403);
    expect(outcomeOf(booked).issue[0]?.diagnostics).toMatch(/made by the institution/);
    expect(await countOf(gw, acme.base, 'Appointment')).toBe(before);
    await caredForExpires();
    const read = await as('practitioner', 'GET', `DocumentReference/${note.id}`);
    expect(read.status).toBe(404);
  });

  it('a practitioner cannot open a patient to themselves through a CareTeam', async () => {
    const { patient, message } = await victim();
    const before = await countOf(gw, acme.base, 'CareTeam');
    const team = await as('practitioner', 'POST', 'CareTeam', {
      resourceType: 'CareTeam',
      status: 'active',
      subject: { reference: `Patient/${patient.id}` },
      participant: [{ member: { reference: `Practitioner/${acme.refs.T}` } }],
    });
    expect(team.status, team.text).toBe(403);
    expect(await countOf(gw, acme.base, 'CareTeam')).toBe(before);
    await caredForExpires();
    const read = await as('practitioner', 'GET', `Communication/${message.id}`);
    expect(read.status).toBe(404);
  });

  // With nothing cached, the care links are looked up while the write's unit is open; they
  // must come from committed data, or the booking would admit itself.
  it('with no cached care links, a booking is judged without the links it makes', async () => {
    const { patient } = await victim();
    await caredForExpires();
    const booked = await as(
      'practitioner',
      'POST',
      'Appointment',
      appointmentOf([`Patient/${patient.id}`, `Practitioner/${acme.refs.T}`]),
    );
    expect(booked.status, booked.text).toBe(403);
    expect((await as('practitioner', 'GET', `Patient/${patient.id}`)).status).toBe(404);
  });

  it('a practitioner cannot add a patient to an appointment or care team already theirs', async () => {
    const { patient } = await victim();
    const mine = await createAs(gw, acme.base, bodyOf('Appointment', 'in', acme.refs, acme.names));
    const team = await createAs(gw, acme.base, bodyOf('CareTeam', 'in', acme.refs, acme.names));
    const added = await practitionerPatch(`Appointment/${mine.id}`, [
      {
        op: 'add',
        path: '/participant/-',
        value: { actor: { reference: `Patient/${patient.id}` }, status: 'accepted' },
      },
    ]);
    const moved = await as('practitioner', 'PUT', `CareTeam/${team.id}`, {
      ...team,
      participant: [
        { member: { reference: `Practitioner/${acme.refs.T}` } },
        { member: { reference: `Patient/${patient.id}` } },
      ],
    });
    expect([added.status, moved.status], `${added.text} ${moved.text}`).toEqual([403, 403]);
    expect((await adminRead(gw, acme.base, 'Appointment', mine.id)).resource).toEqual(mine);
    expect((await adminRead(gw, acme.base, 'CareTeam', team.id)).resource).toEqual(team);
  });

  it('a practitioner cannot write a note or a message about a patient not in their care', async () => {
    const { patient } = await victim();
    const about = { reference: `Patient/${patient.id}` };
    const notes = await countOf(gw, acme.base, 'DocumentReference');
    const messages = await countOf(gw, acme.base, 'Communication');
    const note = await as('practitioner', 'POST', 'DocumentReference', {
      ...bodyOf('DocumentReference', 'in', acme.refs, acme.names),
      subject: about,
    });
    const message = await as('practitioner', 'POST', 'Communication', {
      ...bodyOf('Communication', 'in', acme.refs, acme.names),
      subject: about,
    });
    expect([note.status, message.status]).toEqual([403, 403]);
    expect(await countOf(gw, acme.base, 'DocumentReference')).toBe(notes);
    expect(await countOf(gw, acme.base, 'Communication')).toBe(messages);
    expect((await as('practitioner', 'GET', `Patient/${patient.id}`)).status).toBe(404);
  });

  it('a patient cannot send a message about another patient', async () => {
    const { patient } = await victim();
    const before = await countOf(gw, acme.base, 'Communication');
    const res = await as('patient', 'POST', 'Communication', {
      resourceType: 'Communication',
      status: 'completed',
      subject: { reference: `Patient/${patient.id}` },
      sender: { reference: `Patient/${acme.refs.P}` },
      payload: [{ contentString: 'about someone else' }],
    });
    expect(res.status, res.text).toBe(403);
    expect(outcomeOf(res).issue[0]?.code).toBe('forbidden');
    expect(await countOf(gw, acme.base, 'Communication')).toBe(before);
  });

  it('a patient cannot add another patient to their own appointment', async () => {
    const { patient } = await victim();
    const mine = await createAs(gw, acme.base, bodyOf('Appointment', 'in', acme.refs, acme.names));
    const res = await as('patient', 'PUT', `Appointment/${mine.id}`, {
      ...mine,
      participant: [
        ...(mine.participant as unknown[]),
        { actor: { reference: `Patient/${patient.id}` }, status: 'accepted' },
      ],
    });
    expect(res.status, res.text).toBe(403);
    expect((await adminRead(gw, acme.base, 'Appointment', mine.id)).resource).toEqual(mine);
  });

  it('a practitioner cannot register a new Patient naming themselves as general practitioner', async () => {
    const before = await countOf(gw, acme.base, 'Patient');
    const res = await as('practitioner', 'POST', 'Patient', {
      resourceType: 'Patient',
      name: [{ family: 'Walk-in' }],
      generalPractitioner: [{ reference: `Practitioner/${acme.refs.T}` }],
    });
    expect(res.status, res.text).toBe(403);
    expect(outcomeOf(res).issue[0]?.diagnostics).toMatch(/cannot register new ones/);
    expect(await countOf(gw, acme.base, 'Patient')).toBe(before);
  });

  it('a practitioner may still book a follow-up and write a note for a patient in their care', async () => {
    const booked = await as(
      'practitioner',
      'POST',
      'Appointment',
      appointmentOf([`Patient/${acme.refs.P}`, `Practitioner/${acme.refs.T}`]),
    );
    const note = await as(
      'practitioner',
      'POST',
      'DocumentReference',
      bodyOf('DocumentReference', 'in', acme.refs, acme.names),
    );
    expect([booked.status, note.status], `${booked.text} ${note.text}`).toEqual([201, 201]);
  });

  // A patient may choose any practitioner of the institution: the booking opens only their own
  // record, to the practitioner they chose.
  it('a patient may still book an appointment with themselves and a practitioner', async () => {
    const res = await as(
      'patient',
      'POST',
      'Appointment',
      appointmentOf([`Patient/${acme.refs.P}`, `Practitioner/${acme.refs.U}`]),
    );
    expect(res.status, res.text).toBe(201);
  });

  it('a transaction with one allowed and one refused write stores nothing', async () => {
    const { patient } = await victim();
    const messages = await countOf(gw, acme.base, 'Communication');
    const teams = await countOf(gw, acme.base, 'CareTeam');
    const tx = await send(gw, callerFor('practitioner'), 'POST', acme.base, {
      body: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          {
            request: { method: 'POST', url: 'Communication' },
            resource: bodyOf('Communication', 'in', acme.refs, acme.names),
          },
          {
            request: { method: 'POST', url: 'CareTeam' },
            resource: {
              resourceType: 'CareTeam',
              status: 'active',
              subject: { reference: `Patient/${patient.id}` },
              participant: [{ member: { reference: `Practitioner/${acme.refs.T}` } }],
            },
          },
        ],
      },
    });
    expect(tx.status, tx.text).toBe(403);
    expect(outcomeOf(tx).issue[0]?.code).toBe('forbidden');
    expect(await countOf(gw, acme.base, 'Communication')).toBe(messages);
    expect(await countOf(gw, acme.base, 'CareTeam')).toBe(teams);
  });

  it('a patient cannot book an appointment for Q alone, nor one without themselves', async () => {
    const before = await countOf(gw, acme.base, 'Appointment');
    for (const actors of [
      [`Patient/${acme.refs.Q}`, `Practitioner/${acme.refs.T}`],
      [`Practitioner/${acme.refs.T}`],
    ]) {
      const res = await as('patient', 'POST', 'Appointment', appointmentOf(actors));
      expect(res.status, res.text).toBe(403);
    }
    expect(await countOf(gw, acme.base, 'Appointment')).toBe(before);
  });

  it('a patient cannot move their appointment to Q', async () => {
    const mine = await createAs(gw, acme.base, bodyOf('Appointment', 'in', acme.refs, acme.names));
    const moved = {
      ...mine,
      participant: [
        { actor: { reference: `Patient/${acme.refs.Q}` }, status: 'accepted' },
        { actor: { reference: `Practitioner/${acme.refs.T}` }, status: 'accepted' },
      ],
    };
    const res = await as('patient', 'PUT', `Appointment/${mine.id}`, moved);
    expect(res.status, res.text).toBe(403);
    expect((await adminRead(gw, acme.base, 'Appointment', mine.id)).resource).toEqual(mine);
  });
});

describe('versions from before a record entered the compartment', () => {
  // A version is shown only when the record is in the compartment now (by its last version
  // before any deletion) and that version's own content is too (version-visibility.ts). A note
  // first filed under Q (v1) and then moved to P (v2) shows T v2 only, never Q's v1.
  it('a note moved from Q to P does not show T the version filed under Q', async () => {
    const { note } = await victim();
    const filedUnderP = bodyOf('DocumentReference', 'in', acme.refs, acme.names);
    const moved = await gw.request('PUT', `${acme.base}/DocumentReference/${note.id}`, {
      body: {
        ...note,
        subject: filedUnderP.subject,
        description: filedUnderP.description,
        content: filedUnderP.content,
      },
    });
    expect(moved.status, moved.text).toBe(200);
    expect((await as('practitioner', 'GET', `DocumentReference/${note.id}`)).status).toBe(200);
    const old = await as('practitioner', 'GET', `DocumentReference/${note.id}/_history/1`);
    const history = await as('practitioner', 'GET', `DocumentReference/${note.id}/_history`);
    for (const res of [old, history]) {
      expect(res.text).not.toContain(acme.names.qNote);
    }

    // v1 is answered like a version that never existed; v2 is served; history lists v2 alone.
    const never = await as('practitioner', 'GET', `DocumentReference/${note.id}/_history/9`);
    expect(old.status, old.text).toBe(404);
    expect(old.text.replace('version 1', 'version 9')).toBe(never.text);
    const current = await as('practitioner', 'GET', `DocumentReference/${note.id}/_history/2`);
    expect(current.status, current.text).toBe(200);
    expect(history.status, history.text).toBe(200);
    expect(versionsIn(history)).toEqual(['2']);
  });

  it('a note moved from P to Q disappears for T with all its versions', async () => {
    const mine = await createAs(
      gw,
      acme.base,
      bodyOf('DocumentReference', 'in', acme.refs, acme.names),
    );
    const moved = await gw.request('PUT', `${acme.base}/DocumentReference/${mine.id}`, {
      body: {
        ...mine,
        subject: { reference: `Patient/${acme.refs.Q}` },
        author: [{ reference: `Practitioner/${acme.refs.U}` }],
      },
    });
    expect(moved.status, moved.text).toBe(200);
    for (const suffix of ['', '/_history', '/_history/1', '/_history/2']) {
      const res = await as('practitioner', 'GET', `DocumentReference/${mine.id}${suffix}`);
      expect(res.status, suffix).toBe(404);
    }
  });

  // Moved away and back: the record is T's again, the versions filed under Q stay hidden.
  it('a note moved from P to Q and back shows T its P-era versions only', async () => {
    const mine = await createAs(
      gw,
      acme.base,
      bodyOf('DocumentReference', 'in', acme.refs, acme.names),
    );
    const underQ = bodyOf('DocumentReference', 'out', acme.refs, acme.names);
    for (const body of [{ ...mine, ...underQ }, mine]) {
      const res = await gw.request('PUT', `${acme.base}/DocumentReference/${mine.id}`, { body });
      expect(res.status, res.text).toBe(200);
    }
    const history = await as('practitioner', 'GET', `DocumentReference/${mine.id}/_history`);
    expect(history.status, history.text).toBe(200);
    expect(versionsIn(history)).toEqual(['3', '1']);
    const paged = await as('practitioner', 'GET', `DocumentReference/${mine.id}/_history?_count=1`);
    expect(versionsIn(paged)).toEqual(['3']);
    const next = bundleOf(paged).link?.find((l) => l.relation === 'next')?.url ?? '';
    const second = await send(
      gw,
      callerFor('practitioner'),
      'GET',
      new URL(next).pathname + new URL(next).search,
    );
    expect(versionsIn(second)).toEqual(['1']);
    for (const [version, status] of [
      ['1', 200],
      ['2', 404],
      ['3', 200],
    ] as const) {
      const res = await as(
        'practitioner',
        'GET',
        `DocumentReference/${mine.id}/_history/${version}`,
      );
      expect(res.status, version).toBe(status);
    }
  });

  // A deleted record is judged by its last version before the deletion.
  it('a note moved from Q to P and then deleted shows T its deletion and the P-era version', async () => {
    const { note } = await victim();
    const filedUnderP = bodyOf('DocumentReference', 'in', acme.refs, acme.names);
    await gw.request('PUT', `${acme.base}/DocumentReference/${note.id}`, {
      body: { ...note, ...filedUnderP, author: note.author },
    });
    await gw.request('DELETE', `${acme.base}/DocumentReference/${note.id}`);
    expect((await as('practitioner', 'GET', `DocumentReference/${note.id}`)).status).toBe(410);
    const history = await as('practitioner', 'GET', `DocumentReference/${note.id}/_history`);
    expect(history.status, history.text).toBe(200);
    expect(versionsIn(history)).toEqual(['deleted', '2']);
    expect((await as('practitioner', 'DELETE', `DocumentReference/${note.id}`)).status).toBe(204);
  });

  it('a note moved from P to Q and then deleted stays unknown to T', async () => {
    const mine = await createAs(
      gw,
      acme.base,
      bodyOf('DocumentReference', 'in', acme.refs, acme.names),
    );
    const underQ = bodyOf('DocumentReference', 'out', acme.refs, acme.names);
    await gw.request('PUT', `${acme.base}/DocumentReference/${mine.id}`, {
      body: { ...mine, ...underQ },
    });
    await gw.request('DELETE', `${acme.base}/DocumentReference/${mine.id}`);
    for (const [method, suffix] of [
      ['GET', ''],
      ['GET', '/_history'],
      ['GET', '/_history/1'],
      ['GET', '/_history/3'],
      ['DELETE', ''],
    ] as const) {
      const res = await as('practitioner', method, `DocumentReference/${mine.id}${suffix}`);
      expect(res.status, `${method} ${suffix}`).toBe(404);
    }
  });
});

describe("conditional writes naming Q's identifier", () => {
  const byQ = (): string => `identifier=${acme.names.qIdentifier}`;

  it("If-None-Exist does not find Q for the practitioner: a create, refused; Q's untouched", async () => {
    const res = await send(gw, callerFor('practitioner'), 'POST', `${acme.base}/Patient`, {
      body: {
        resourceType: 'Patient',
        name: [{ family: 'Newcomer' }],
        generalPractitioner: [{ reference: `Practitioner/${acme.refs.T}` }],
      },
      headers: { 'if-none-exist': byQ() },
    });
    // Finding Q would answer 200 with Q; not finding it tries a create, which a practitioner may
    // not make (a new Patient is not in their care yet; see 'care links the callers make').
    expect(res.status, res.text).toBe(403);
    const q = await adminRead(gw, acme.base, 'Patient', acme.refs.Q);
    expect(q.resource).toEqual(acme.records.Patient.out);
  });

  it("a conditional update on Q's identifier never reaches Q", async () => {
    const body = {
      resourceType: 'Patient',
      name: [{ family: 'Overwritten' }],
      identifier: [{ system: identifierSystem, value: acme.names.qIdentifier }],
    };
    // Outside T's compartment (no generalPractitioner T): refused, as for an unknown identifier.
    const res = await as('practitioner', 'PUT', `Patient?${byQ()}`, body);
    const unknown = await as('practitioner', 'PUT', 'Patient?identifier=MRN-NOBODY', body);
    expect(res.status, res.text).toBe(403);
    expect(res.text).toBe(unknown.text);
    const q = await adminRead(gw, acme.base, 'Patient', acme.refs.Q);
    expect(q.resource).toEqual(acme.records.Patient.out);
  });
});

describe('Bundles that write', () => {
  it("a practitioner's transaction that also reads Q's Patient stores nothing", async () => {
    const before = await countOf(gw, acme.base, 'Communication');
    const tx = await send(gw, callerFor('practitioner'), 'POST', acme.base, {
      body: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          {
            request: { method: 'POST', url: 'Communication' },
            resource: bodyOf('Communication', 'in', acme.refs, acme.names),
          },
          { request: { method: 'GET', url: `Patient/${acme.refs.Q}` } },
        ],
      },
    });
    expect(tx.status, tx.text).toBe(404);
    expect(await countOf(gw, acme.base, 'Communication')).toBe(before);
  });

  it("a patient's transaction booking P and Q stores neither", async () => {
    const before = await countOf(gw, acme.base, 'Appointment');
    const tx = await send(gw, callerFor('patient'), 'POST', acme.base, {
      body: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: ['in', 'out'].map((side) => ({
          request: { method: 'POST', url: 'Appointment' },
          resource: bodyOf('Appointment', side as 'in' | 'out', acme.refs, acme.names),
        })),
      },
    });
    expect(tx.status, tx.text).toBe(403);
    expect(outcomeOf(tx).issue[0]?.code).toBe('forbidden');
    expect(await countOf(gw, acme.base, 'Appointment')).toBe(before);
  });

  it("a practitioner's batch: the entry about P is applied, the one about Q is a 404", async () => {
    const p = await createAs(gw, acme.base, bodyOf('Communication', 'in', acme.refs, acme.names));
    const q = await createAs(gw, acme.base, bodyOf('Communication', 'out', acme.refs, acme.names));
    const res = await send(gw, callerFor('practitioner'), 'POST', acme.base, {
      body: {
        resourceType: 'Bundle',
        type: 'batch',
        entry: [p, q].map((c) => ({ request: { method: 'DELETE', url: `Communication/${c.id}` } })),
      },
    });
    expect((bundleOf(res).entry ?? []).map((e) => e.response?.status)).toEqual([
      '204 No Content',
      '404',
    ]);
    expect((await adminRead(gw, acme.base, 'Communication', p.id)).status).toBe(410);
    expect((await adminRead(gw, acme.base, 'Communication', q.id)).resource).toEqual(q);
  });
});

describe('users whose record link is missing or of the wrong kind', () => {
  it.each([
    ['a practitioner without fhirUser', 'practitioner', undefined],
    ['a patient without fhirUser', 'patient', undefined],
    ['a patient whose fhirUser is Practitioner T', 'patient', 'T'],
    ['a practitioner whose fhirUser is Patient P', 'practitioner', 'P'],
  ] as const)('%s sees no patient data, only the directory', async (_label, role, link) => {
    const fhirUser =
      link === 'T'
        ? `Practitioner/${acme.refs.T}`
        : link === 'P'
          ? `Patient/${acme.refs.P}`
          : undefined;
    const token = await gw.token({ tenant: 'acme', role, ...(fhirUser ? { fhirUser } : {}) });
    const caller: Caller = { name: role, token, secrets: [] };
    for (const type of [
      'Patient',
      'Appointment',
      'Communication',
      'DocumentReference',
      'CareTeam',
    ]) {
      const res = await send(gw, caller, 'GET', `${acme.base}/${type}`);
      expect(res.status, res.text).toBe(200);
      expect(idsOf(bundleOf(res)), type).toEqual([]);
    }
    const directory = await send(gw, caller, 'GET', `${acme.base}/Practitioner`);
    expect(idsOf(bundleOf(directory)).length).toBeGreaterThanOrEqual(2);
  });
});
