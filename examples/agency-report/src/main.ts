/**
 * Prints the appointment status report of one FHIR base as JSON.
 *
 *   FHIR_BASE  the tenant's FHIR base (default: the demo tenant of `npm start`)
 *   FROM, TO   the date range [FROM, TO) (default: today, and 30 days after FROM; UTC)
 *   CLIENT_ID, CLIENT_SECRET  the agency's client (default: the demo tenant's demo-system)
 */
import { appointmentStatusReport } from './report.js';
import { clientCredentialsToken, withToken } from './token.js';

const day = 86_400_000;

const base = process.env.FHIR_BASE ?? 'http://127.0.0.1:8080/t/demo/fhir/R4';
const from = process.env.FROM ?? new Date().toISOString().slice(0, 10);

try {
  const fromMs = Date.parse(from);
  const to =
    process.env.TO ??
    (Number.isNaN(fromMs) ? '' : new Date(fromMs + 30 * day).toISOString().slice(0, 10));
  const tokenUrl = base.replace(/\/fhir\/R4\/?$/, '/oauth2/token');
  const token = await clientCredentialsToken(
    fetch,
    tokenUrl,
    process.env.CLIENT_ID ?? 'demo-system',
    process.env.CLIENT_SECRET ?? 'demo-secret',
  );
  const report = await appointmentStatusReport(withToken(fetch, token), base, from, to);
  process.stdout.write(`${JSON.stringify({ base, ...report }, null, 2)}\n`);
} catch (err) {
  process.stderr.write(`agency-report: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
