/**
 * The polling policy against the SDK's clock in virtual time, over thousands of tasks: the same
 * queue times, run times (10–40 s) and noisy progress curves as the simulator's, no network. It
 * isolates the policy from the noise of a 24-task real-time run.
 */
import { DEFAULT_POLLING, PollSchedule, type TaskSnapshot } from '@runway-rx/core';
import { progressAt, progressCurve } from '../packages/simulator/src/engine/progress.js';
import { Random } from '../packages/simulator/src/random.js';
import { median, percentile, table } from './lib.js';

export async function main({ tasks = 5000 } = {}) {
  const random = new Random(2024);
  const ours: number[] = [];
  const sdk: number[] = [];
  let ourGets = 0;
  let sdkGets = 0;
  for (let n = 0; n < tasks; n++) {
    const queue = 500 + random.next() * 1500;
    const run = 10_000 + random.next() * 30_000;
    const knots = progressCurve(random);
    const finish = queue + run;
    const snapshot = (t: number): TaskSnapshot =>
      t < queue
        ? { id: 't', status: 'PENDING', wireStatus: 'PENDING' }
        : {
            id: 't',
            status: 'PROCESSING',
            wireStatus: 'RUNNING',
            progress: progressAt((t - queue) / run, 'linear', knots),
          };

    const schedule = new PollSchedule(DEFAULT_POLLING);
    for (let t = DEFAULT_POLLING.initialDelayMs; ; ) {
      ourGets++;
      if (t >= finish) {
        ours.push(t - finish);
        break;
      }
      t += schedule.next(snapshot(t), t);
    }
    // The SDK: sleep 6 s ± 1.5 s (uniform) before every poll.
    for (let t = 0; ; ) {
      t += 4500 + random.next() * 3000;
      sdkGets++;
      if (t >= finish) {
        sdk.push(t - finish);
        break;
      }
    }
  }
  return table(
    `Polling policy vs the SDK's clock: ${tasks.toLocaleString('en-US')} tasks of 10–40 s, virtual time`,
    [
      ['median delay after finish (ms)', median(ours), median(sdk), median(ours) / median(sdk)],
      [
        'p90 delay after finish (ms)',
        percentile(ours, 90),
        percentile(sdk, 90),
        percentile(ours, 90) / percentile(sdk, 90),
      ],
      ['GET requests per task', ourGets / tasks, sdkGets / tasks, ourGets / sdkGets],
    ],
    ['figure', 'runway-rx (5 s minimum)', '@runwayml/sdk clock', 'ratio'],
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
