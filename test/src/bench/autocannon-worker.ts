/**
 * The load generator, in a child process of its own so the gateway's CPU and memory are
 * measured without it. It takes one HttpScenario message, runs the warm-up and the measured
 * run with autocannon, answers one HttpResult and exits.
 */
import autocannon from 'autocannon';
import { dayOf, pick } from './fixtures.js';
import type { HttpResult, HttpScenario } from './http-scenarios.js';

const dayMs = 86_400_000;

function requestsOf(scenario: HttpScenario): autocannon.Request[] {
  const { base, load } = scenario;
  // The baseline arm of bench:access takes no token.
  const headers: Record<string, string> = scenario.authorization
    ? { authorization: scenario.authorization }
    : {};
  switch (load.kind) {
    case 'read':
      return [
        {
          method: 'GET',
          headers,
          setupRequest: (req) => ({
            ...req,
            path: `${base}/Appointment/${pick(load.appointmentIds)}`,
          }),
        },
      ];
    case 'search':
      return [
        {
          method: 'GET',
          headers,
          setupRequest: (req) => {
            const from = load.firstDay + Math.floor(Math.random() * load.days) * dayMs;
            const practitioner = pick(load.practitionerIds);
            return {
              ...req,
              path: `${base}/Appointment?practitioner=Practitioner/${practitioner}&date=ge${dayOf(from)}&date=lt${dayOf(from + 7 * dayMs)}`,
            };
          },
        },
      ];
    case 'create':
      return [
        {
          method: 'POST',
          path: `${base}/Appointment`,
          headers: { ...headers, 'content-type': 'application/fhir+json' },
          body: load.body,
        },
      ];
  }
}

async function run(scenario: HttpScenario, seconds: number): Promise<autocannon.Result> {
  return autocannon({
    url: scenario.url,
    connections: scenario.connections,
    duration: seconds,
    requests: requestsOf(scenario),
    ...(scenario.overallRate ? { overallRate: scenario.overallRate } : {}),
  });
}

async function main(scenario: HttpScenario): Promise<HttpResult> {
  const warmup = await run(scenario, scenario.warmupSeconds);
  // The parent may start measuring its own side (CPU) from here.
  process.send?.({ warmedUp: true });
  const r = await run(scenario, scenario.seconds);
  const statuses: Record<string, number> = {};
  for (const [code, stat] of Object.entries(r.statusCodeStats ?? {})) {
    statuses[code] = stat.count ?? 0;
  }
  return {
    name: scenario.name,
    requests: r.requests.total,
    warmupRequests: warmup.requests.total,
    seconds: r.duration,
    perSecond: r.requests.total / r.duration,
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    statuses,
  };
}

process.once('message', (scenario: HttpScenario) => {
  main(scenario).then(
    (result) => {
      process.send?.({ result }, () => {
        process.disconnect();
      });
    },
    (err: unknown) => {
      process.send?.({ error: err instanceof Error ? err.message : String(err) }, () => {
        process.disconnect();
      });
    },
  );
});
