import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { HttpResult, HttpScenario } from './http-scenarios.js';

const worker = fileURLToPath(new URL('./autocannon-worker.ts', import.meta.url));

type Answer = { result: HttpResult } | { error: string };
type Message = Answer | { warmedUp: true };

/**
 * Runs one HTTP scenario from a child process (so the load generator's CPU and memory are not
 * the gateway's). The child inherits this process's `tsx` loader through `execArgv`.
 */
export function runHttpScenario(
  scenario: HttpScenario,
  /** Called when the warm-up is over and the measured run starts. */
  onMeasuring?: () => void,
): Promise<HttpResult> {
  return new Promise((done, fail) => {
    const child = fork(worker, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let answer: Answer | undefined;
    // The warm-up, the run, and a generous margin for start-up and a slow last response.
    const limit = setTimeout(
      () => {
        child.kill('SIGKILL');
      },
      (scenario.warmupSeconds + scenario.seconds + 30) * 1000,
    );
    child.on('message', (message: Message) => {
      if ('warmedUp' in message) {
        onMeasuring?.();
      } else {
        answer = message;
      }
    });
    child.on('error', fail);
    child.on('exit', (code, signal) => {
      clearTimeout(limit);
      if (answer && 'result' in answer) {
        done(answer.result);
      } else {
        const why = answer?.error ?? `exited with ${signal ?? String(code)}`;
        fail(new Error(`HTTP scenario ${scenario.name}: load worker ${why}`));
      }
    });
    child.send(scenario);
  });
}
