/**
 * The browser side of the router's Server-Sent Events: `taskEvents(url)` turns a task's event
 * stream into an Observable. It runs anywhere an `EventSource` exists (browsers, Deno, or Node with
 * the `eventsource` package passed in) and imports nothing but rxjs.
 */
import { Observable } from 'rxjs';
import { isFinalView, SSE_EVENT, type TaskErrorView, type TaskView } from './view.js';

export type { TaskErrorView, TaskView } from './view.js';
export { isFinalView, SSE_EVENT } from './view.js';

/** What `taskEvents` needs of an `EventSource`: the WHATWG interface, or the `eventsource` package's. */
export interface EventSourceLike {
  readonly readyState: number;
  close(): void;
  addEventListener(type: string, listener: (event: never) => void): void;
  removeEventListener(type: string, listener: (event: never) => void): void;
}

/** A class compatible with the WHATWG `EventSource` constructor. */
export type EventSourceConstructor = new (
  url: string,
  init?: { withCredentials?: boolean },
) => EventSourceLike;

export interface TaskEventsOptions {
  /** The `EventSource` class to use. Default `globalThis.EventSource`. */
  readonly EventSource?: EventSourceConstructor;
  /** Send cookies on a cross-origin stream. Default false. */
  readonly withCredentials?: boolean;
}

const CLOSED = 2;

/** The stream could not be opened, broke for good, or the server gave up on a task. */
export class TaskEventsError extends Error {
  /** `connection_failed`, `malformed_event`, or the server's code from a `task-error` event. */
  readonly code: string;
  /** The HTTP status, when the `EventSource` implementation tells it (the `eventsource` package does). */
  readonly status: number | undefined;
  /** The task concerned, for a `task-error` event. */
  readonly taskId: string | undefined;

  constructor(message: string, options: { code: string; status?: number | undefined; taskId?: string }) {
    super(message);
    this.code = options.code;
    this.status = options.status;
    this.taskId = options.taskId;
  }
}
Object.defineProperty(TaskEventsError.prototype, 'name', { value: 'TaskEventsError', configurable: true });

function parse<T>(event: { readonly data?: unknown }): T {
  return JSON.parse(String(event.data)) as T;
}

/**
 * The task states a router event stream sends (`/tasks/:id/events` or `/tasks/events?ids=…`),
 * as an Observable. It completes when the server says every task is final, errors when the
 * stream cannot be opened (an HTTP error, a non-SSE answer) or the server gives up on a task, and
 * closes the `EventSource` on unsubscribe. Between those, a dropped connection is resumed by the
 * `EventSource` itself, with `Last-Event-ID`, so no state is delivered twice.
 *
 * ```ts
 * const { events } = await (await fetch('/tasks/text_to_image', { method: 'POST', … })).json();
 * taskEvents(events).subscribe((task) => render(task.status, task.progress, task.output));
 * ```
 */
export function taskEvents(url: string | URL, options: TaskEventsOptions = {}): Observable<TaskView> {
  return new Observable<TaskView>((subscriber) => {
    const Source =
      options.EventSource ??
      (globalThis as { EventSource?: EventSourceConstructor }).EventSource ??
      undefined;
    if (!Source) {
      subscriber.error(
        new TypeError('No EventSource here: pass { EventSource } (e.g. from the "eventsource" package)'),
      );
      return;
    }
    const source = new Source(String(url), { withCredentials: options.withCredentials ?? false });
    /** The latest state seen per task, to tell a finished stream from a broken one. */
    const seen = new Map<string, TaskView>();

    const onTask = (event: { readonly data?: unknown }) => {
      let view: TaskView;
      try {
        view = parse<TaskView>(event);
      } catch (cause) {
        subscriber.error(
          Object.assign(
            new TaskEventsError('The server sent an event that is not JSON', { code: 'malformed_event' }),
            {
              cause,
            },
          ),
        );
        return;
      }
      seen.set(view.handle ?? view.id, view);
      subscriber.next(view);
    };
    const onTaskError = (event: { readonly data?: unknown }) => {
      let info: TaskErrorView;
      try {
        info = parse<TaskErrorView>(event);
      } catch {
        info = { id: '', error: 'unknown', message: 'The server stopped following the task' };
      }
      subscriber.error(new TaskEventsError(info.message, { code: info.error, taskId: info.id }));
    };
    const onEnd = () => subscriber.complete();
    const onError = (event: { readonly code?: number; readonly message?: string }) => {
      // While CONNECTING the EventSource resumes by itself; CLOSED means it gave up for good.
      if (source.readyState !== CLOSED) return;
      const views = [...seen.values()];
      if (views.length > 0 && views.every(isFinalView)) {
        // A reconnect after the final state was answered 204: nothing was missed.
        subscriber.complete();
        return;
      }
      const status = typeof event?.code === 'number' ? event.code : undefined;
      subscriber.error(
        new TaskEventsError(
          `The task event stream could not be opened${status === undefined ? '' : ` (HTTP ${status})`}`,
          { code: 'connection_failed', status },
        ),
      );
    };

    source.addEventListener(SSE_EVENT.task, onTask);
    source.addEventListener(SSE_EVENT.taskError, onTaskError);
    source.addEventListener(SSE_EVENT.end, onEnd);
    source.addEventListener('error', onError);
    return () => {
      source.removeEventListener(SSE_EVENT.task, onTask);
      source.removeEventListener(SSE_EVENT.taskError, onTaskError);
      source.removeEventListener(SSE_EVENT.end, onEnd);
      source.removeEventListener('error', onError);
      source.close();
    };
  });
}
