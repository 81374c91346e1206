import type { WireStatus } from '@runway-rx/core';

/** What kind of request a route serves. */
export type RouteName =
  | 'create'
  | 'get'
  | 'delete'
  | 'upload'
  | 'upload_data'
  | 'output'
  | 'admin'
  | 'not_found';

/** One request as the simulator saw it. */
export interface RequestLogEntry {
  /** Epoch ms when it arrived. */
  readonly at: number;
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  readonly route: RouteName;
  /** The status answered; 0 when the connection was destroyed without an answer. */
  readonly status: number;
  /** Wall-clock ms from arrival to the end of the answer. */
  readonly durationMs: number;
  /** The task concerned: the one created, read or deleted. */
  readonly taskId?: string;
  /** Short id of the API key presented (see `keyId`), when it was accepted. */
  readonly keyId?: string;
  /** The fault injected, if any. */
  readonly fault?: FaultKind;
}

export type FaultKind =
  | 'latency'
  | 'reset_before'
  | 'rate_429'
  | 'error'
  | 'reset_after_commit'
  | 'malformed';

export interface KeyStats {
  readonly creates: number;
  readonly gets: number;
  readonly deletes: number;
}

/** Counters since start (or the last `reset()`). */
export interface SimulatorStats {
  /** Requests to the API (`/v1/...`), whatever their outcome. */
  readonly requests: number;
  /** Requests per kind of API route, whatever their outcome. */
  readonly creates: number;
  readonly gets: number;
  readonly deletes: number;
  readonly uploads: number;
  /** Output files served. */
  readonly outputs: number;
  /** API requests per accepted key (by key id). */
  readonly byKey: Readonly<Record<string, KeyStats>>;
  /** Answers per status code (0: connection destroyed without an answer). */
  readonly byStatus: Readonly<Record<string, number>>;
  /** 429 answers, whatever their cause (faults, daily limit, create rate). */
  readonly status429: number;
  /** Faults served, by kind. */
  readonly faults: Readonly<Record<FaultKind, number>>;
  readonly tasks: {
    /** Tasks created since start. */
    readonly created: number;
    /** Tasks held in memory now. */
    readonly live: number;
    /** Finished tasks forgotten after the retention time. */
    readonly evicted: number;
    /** Tasks in memory by wire status. */
    readonly byStatus: Readonly<Record<WireStatus, number>>;
  };
  /** Tasks that were THROTTLED at some point. */
  readonly throttledTasks: number;
  /** Per model, the most tasks of one API key that ran at once. */
  readonly maxConcurrent: Readonly<Record<string, number>>;
}

const emptyFaults = (): Record<FaultKind, number> => ({
  latency: 0,
  reset_before: 0,
  rate_429: 0,
  error: 0,
  reset_after_commit: 0,
  malformed: 0,
});

/** Request counters and a bounded request log. */
export class RequestRecorder {
  readonly #limit: number;
  #log: RequestLogEntry[] = [];
  #requests = 0;
  #byRoute: Record<RouteName, number> = RequestRecorder.#routes();
  #byKey = new Map<string, { creates: number; gets: number; deletes: number }>();
  #byStatus = new Map<number, number>();
  #faults = emptyFaults();

  constructor(limit: number) {
    this.#limit = limit;
  }

  static #routes(): Record<RouteName, number> {
    return { create: 0, get: 0, delete: 0, upload: 0, upload_data: 0, output: 0, admin: 0, not_found: 0 };
  }

  record(entry: RequestLogEntry, api: boolean): void {
    if (api) this.#requests++;
    this.#byRoute[entry.route]++;
    this.#byStatus.set(entry.status, (this.#byStatus.get(entry.status) ?? 0) + 1);
    if (entry.fault) this.#faults[entry.fault]++;
    if (entry.keyId && (entry.route === 'create' || entry.route === 'get' || entry.route === 'delete')) {
      let counts = this.#byKey.get(entry.keyId);
      if (!counts) {
        counts = { creates: 0, gets: 0, deletes: 0 };
        this.#byKey.set(entry.keyId, counts);
      }
      if (entry.route === 'create') counts.creates++;
      else if (entry.route === 'get') counts.gets++;
      else counts.deletes++;
    }
    if (this.#limit > 0) {
      this.#log.push(entry);
      // Trim in batches so a full log costs amortised O(1) per request.
      if (this.#log.length > this.#limit * 1.25) this.#log = this.#log.slice(-this.#limit);
    }
  }

  /** Latency faults are counted when served, since the request may still end in another fault. */
  countFault(kind: FaultKind): void {
    this.#faults[kind]++;
  }

  log(): readonly RequestLogEntry[] {
    return this.#log.length > this.#limit ? this.#log.slice(-this.#limit) : this.#log.slice();
  }

  snapshot(): Omit<SimulatorStats, 'tasks' | 'throttledTasks' | 'maxConcurrent'> {
    return {
      requests: this.#requests,
      creates: this.#byRoute.create,
      gets: this.#byRoute.get,
      deletes: this.#byRoute.delete,
      uploads: this.#byRoute.upload,
      outputs: this.#byRoute.output,
      byKey: Object.fromEntries([...this.#byKey].map(([key, counts]) => [key, { ...counts }])),
      byStatus: Object.fromEntries([...this.#byStatus].map(([status, n]) => [String(status), n])),
      status429: this.#byStatus.get(429) ?? 0,
      faults: { ...this.#faults },
    };
  }

  reset(): void {
    this.#log = [];
    this.#requests = 0;
    this.#byRoute = RequestRecorder.#routes();
    this.#byKey.clear();
    this.#byStatus.clear();
    this.#faults = emptyFaults();
  }
}
