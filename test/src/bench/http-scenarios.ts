/** What the HTTP load worker is asked to do, and what it answers. Shared by both processes. */

/** The request mix of one scenario. */
export type HttpLoad =
  | { kind: 'read'; appointmentIds: string[] }
  | { kind: 'search'; practitionerIds: string[]; firstDay: number; days: number }
  | { kind: 'create'; body: string };

export interface HttpScenario {
  name: string;
  /** Origin of the gateway, `http://127.0.0.1:port`. */
  url: string;
  /** `/t/{tenant}/fhir/R4`. */
  base: string;
  /** `Bearer …`, sent on every request. */
  authorization: string;
  connections: number;
  seconds: number;
  warmupSeconds: number;
  load: HttpLoad;
  /** Requests a second across all connections; unset means as fast as answers come. */
  overallRate?: number;
}

/** The measured (post warm-up) run of one scenario. */
export interface HttpResult {
  name: string;
  requests: number;
  /** Requests answered during the unmeasured warm-up before it. */
  warmupRequests: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Count per status code. */
  statuses: Record<string, number>;
}
