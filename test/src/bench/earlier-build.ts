import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { EarlierReady, EarlierStart } from './earlier-build-child.js';

const child = fileURLToPath(new URL('./earlier-build-child.ts', import.meta.url));

/** A gateway of an earlier build, served by a child process, seeded like the others. */
export interface EarlierBuild {
  url: string;
  /** The child process, whose CPU time is that arm's gateway time. */
  pid: number;
  appointmentIds: string[];
  stop(): Promise<void>;
}

/**
 * Starts the gateway of another checkout (`dir`, built with `npm ci && npx tsc -b`, such as the
 * commit before a change) in a child process, on a database of its own on `serverUrl` (a login
 * that may create databases), and seeds its tenant with the same data set. Its modules and
 * dependencies load from that checkout, so it runs that build's code as it was.
 */
export function startEarlierBuild(
  dir: string,
  serverUrl: string,
  tenant: string,
): Promise<EarlierBuild> {
  return new Promise((done, fail) => {
    // The child inherits this process's tsx loader through execArgv.
    const server = fork(child, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    server.once('message', (answer: EarlierReady) => {
      if ('error' in answer) {
        fail(new Error(`earlier build in ${dir}: ${answer.error}`));
        return;
      }
      done({
        url: answer.url,
        pid: server.pid ?? 0,
        appointmentIds: answer.appointmentIds,
        stop: () =>
          new Promise<void>((stopped) => {
            server.once('exit', () => {
              stopped();
            });
            server.send('stop');
          }),
      });
    });
    server.once('error', fail);
    server.send({ dir, serverUrl, tenant } satisfies EarlierStart);
  });
}
