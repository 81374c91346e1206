import {
  type CancelResult,
  getTaskType,
  isTerminal,
  type RunwayClient,
  type TaskEvent,
  type TaskInput,
  type TaskSnapshot,
  type TaskType,
} from '@runway-rx/core';
import { filter, firstValueFrom, type Subscription } from 'rxjs';
import type { Dispatcher } from 'undici';
import { downloadOutput, outputBaseName } from './download.js';
import type { JobInfo, JobSummary, Reporter, RunSummary } from './render/reporter.js';

/** One task to run: its place in the run, its type and its validated input. */
export interface Job extends JobInfo {
  readonly input: Readonly<Record<string, unknown>>;
}

export interface RunOptions {
  readonly client: RunwayClient;
  /** Used for downloads (it should follow redirects). */
  readonly dispatcher: Dispatcher;
  readonly outDir: string;
  readonly reporter: Reporter;
  /** Aborted on Ctrl-C: queued tasks are dropped, running ones cancelled at Runway. */
  readonly interrupt?: AbortSignal | undefined;
  /** How long an interrupt waits for cancellations to be confirmed. Default 15 s. */
  readonly cancelWaitMs?: number;
  /** Queue key of the run's tasks in the client's scheduler. */
  readonly queueKey?: string;
}

const sum = (counts: Readonly<Record<string, number>>) => Object.values(counts).reduce((a, b) => a + b, 0);

function timeout(ms: number): { promise: Promise<void>; clear: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return { promise, clear: () => clearTimeout(timer) };
}

/** One task's run: its stream subscription, its latest state, its downloads. */
class JobRun {
  readonly job: Job;
  latest: TaskEvent | undefined;
  subscription: Subscription | undefined;
  outcome: JobSummary['outcome'] | undefined;
  error: unknown;
  readonly files: string[] = [];
  readonly done: Promise<void>;
  #resolve!: () => void;
  #settled = false;

  constructor(job: Job) {
    this.job = job;
    this.done = new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }

  get finished(): boolean {
    return this.#settled;
  }

  get snapshot(): TaskSnapshot | undefined {
    return this.latest?.status === 'QUEUED' ? undefined : (this.latest as TaskSnapshot | undefined);
  }

  summary(): JobSummary {
    const snapshot = this.snapshot;
    return {
      job: { index: this.job.index, total: this.job.total, type: this.job.type, model: this.job.model },
      outcome: this.outcome ?? 'ERROR',
      taskId: snapshot?.id,
      failure: snapshot?.failure,
      failureCode: snapshot?.failureCode,
      files: this.files,
      error: this.error,
    };
  }

  settle(reporter: Reporter): void {
    if (this.#settled) return;
    this.#settled = true;
    reporter.settled(this.summary());
    this.#resolve();
  }
}

/**
 * Runs tasks through one client (its scheduler caps how many are in flight), reports every state,
 * and saves each output as it arrives.
 *
 * On interrupt, tasks still in the client's queue are dropped without a request, tasks at Runway
 * are cancelled (`DELETE`, awaited and reported), and a task whose create is on the wire is
 * cancelled by the client as soon as its id arrives (`cancelOnUnsubscribe`). The run returns once
 * every cancellation is confirmed or `cancelWaitMs` has passed.
 */
export async function runJobs(jobs: readonly Job[], options: RunOptions): Promise<RunSummary> {
  const { client, reporter, interrupt } = options;
  const started = performance.now();
  const downloads = new AbortController();
  const runs = jobs.map((job) => new JobRun(job));
  reporter.start(jobs);

  const save = async (run: JobRun, snapshot: TaskSnapshot) => {
    const outputs = snapshot.output ?? [];
    for (const [n, url] of outputs.entries()) {
      const baseName = outputBaseName({
        index: run.job.index,
        total: run.job.total,
        type: run.job.type,
        taskId: snapshot.id,
        output: n,
        outputs: outputs.length,
      });
      const path = await downloadOutput(url, {
        dir: options.outDir,
        baseName,
        kind: getTaskType(run.job.type).output,
        dispatcher: options.dispatcher,
        signal: downloads.signal,
      });
      run.files.push(path);
      reporter.saved(run.job, path, snapshot.id);
    }
  };

  const fail = (run: JobRun, error: unknown) => {
    run.outcome = 'ERROR';
    run.error = error;
    reporter.error(run.job, error);
  };

  /**
   * Places in line across the run. The run's tasks share one queue key capped at the run's
   * concurrency, so they start in submission order whatever their model; the scheduler's own
   * positions count per model, which would show several tasks as next in line.
   */
  const positions = new Map<JobRun, number>();
  let repositioning = false;
  const reposition = () => {
    // Once per burst: the scheduler moves every waiting task at once when one starts.
    if (repositioning) return;
    repositioning = true;
    queueMicrotask(() => {
      repositioning = false;
      let position = 0;
      for (const run of runs) {
        if (run.latest?.status !== 'QUEUED') {
          positions.delete(run);
          continue;
        }
        position += 1;
        run.latest = { ...run.latest, queuePosition: position };
        if (positions.get(run) === position) continue;
        positions.set(run, position);
        reporter.event(run.job, run.latest);
      }
    });
  };

  for (const run of runs) {
    let saving: Promise<void> = Promise.resolve();
    const stream = options.client.submit(run.job.type, run.job.input as TaskInput<TaskType>, {
      cancelOnUnsubscribe: true,
      queueKey: options.queueKey ?? 'runway-rx',
    });
    run.subscription = stream.subscribe({
      next: (event) => {
        const wasQueued = run.latest?.status === 'QUEUED';
        run.latest = event;
        if (event.status !== 'QUEUED') reporter.event(run.job, event);
        if (event.status === 'QUEUED' || wasQueued) reposition();
        if (event.status === 'SUCCEEDED') {
          saving = save(run, event).catch((error: unknown) => fail(run, error));
        }
      },
      error: (error: unknown) => {
        if (!run.finished && run.outcome !== 'NOT_SUBMITTED') fail(run, error);
        run.settle(reporter);
      },
      complete: () => {
        const status = run.snapshot?.status;
        run.outcome =
          status === 'SUCCEEDED' || status === 'FAILED' || status === 'CANCELLED' ? status : 'ERROR';
        void saving.then(() => {
          if (run.error !== undefined) run.outcome = 'ERROR';
          run.settle(reporter);
        });
      },
    });
  }

  const all = Promise.all(runs.map((run) => run.done));
  let interrupted = false;
  let cancelled: { taskId: string; result: CancelResult | string }[] = [];
  let cancelledOnArrival = 0;

  if (interrupt && !interrupt.aborted) {
    let onAbort = () => {};
    const aborted = new Promise<void>((resolve) => {
      onAbort = resolve;
      interrupt.addEventListener('abort', onAbort, { once: true });
    });
    await Promise.race([all, aborted]);
    interrupt.removeEventListener('abort', onAbort);
  }

  if (interrupt?.aborted && runs.some((run) => !run.finished)) {
    interrupted = true;
    reporter.notice('Interrupted: cancelling tasks in flight (Ctrl-C again to quit at once)…');
    downloads.abort();
    const open = runs.filter((run) => !run.finished);
    const withId = open.filter((run) => run.snapshot && !isTerminal(run.snapshot));
    // Tasks holding a slot without an id yet have their create on the wire. The run's tasks start
    // in line order, so they are the first of those without an id.
    cancelledOnArrival = Math.max(0, sum(client.scheduler.state.inFlight) - withId.length);
    let creating = cancelledOnArrival;
    const cancels: Promise<{ taskId: string; result: CancelResult | string }>[] = [];
    for (const run of open) {
      const snapshot = run.snapshot;
      if (!snapshot) {
        // The client cancels a task created after this as soon as its id arrives (cancelOnUnsubscribe).
        run.outcome = creating > 0 ? 'CANCELLED' : 'NOT_SUBMITTED';
        creating -= 1;
        run.subscription?.unsubscribe();
        run.settle(reporter);
      } else if (!isTerminal(snapshot)) {
        // Stay subscribed: the stream shows CANCELLED once Runway has it, then completes.
        cancels.push(
          client.cancel(snapshot.id).then(
            (result) => ({ taskId: snapshot.id, result }),
            (error: unknown) => ({
              taskId: snapshot.id,
              result: `not cancelled: ${(error as Error).message}`,
            }),
          ),
        );
      }
    }
    const idle = firstValueFrom(
      client.scheduler.state$.pipe(filter((state) => sum(state.inFlight) === 0)),
    ).catch(() => undefined);
    const limit = timeout(options.cancelWaitMs ?? 15_000);
    const confirmed = Promise.all([Promise.all(cancels), all, idle]).then(([results]) => results);
    const outcome = await Promise.race([confirmed, limit.promise]);
    limit.clear();
    cancelled = outcome ?? [];
    if (!outcome) {
      reporter.notice(
        'Some cancellations were not confirmed in time; the client keeps trying while it closes.',
      );
    }
    for (const run of runs) {
      if (run.finished) continue;
      run.subscription?.unsubscribe();
      run.outcome = run.snapshot?.status === 'CANCELLED' ? 'CANCELLED' : 'ERROR';
      run.settle(reporter);
    }
  } else {
    await all;
  }

  return {
    jobs: runs.map((run) => run.summary()),
    interrupted,
    cancelled,
    cancelledOnArrival,
    outDir: options.outDir,
    elapsedMs: performance.now() - started,
  };
}
