import { pino, type Logger } from 'pino';

/**
 * The gateway's JSON logger: one event per line. Request bodies, resources and headers are
 * never logged, so neither health data nor credentials reach the log.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: 'swiftacare-gateway' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? pino.destination({ sync: false }),
  );
}

export type { Logger };
