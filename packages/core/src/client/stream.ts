import { Observable, type Subscriber, type TeardownLogic } from 'rxjs';
import type { TaskStream } from './types.js';

/**
 * An Observable that is also async-iterable, for people who don't use RxJS:
 * `for await (const state of client.textToVideo(input)) …`. Iteration subscribes once, buffers
 * what arrives between `next()` calls, and unsubscribes when the loop is left early.
 */
export class TaskStreamObservable<T> extends Observable<T> implements TaskStream<T> {
  constructor(subscribe: (subscriber: Subscriber<T>) => TeardownLogic) {
    super(subscribe);
  }

  /** Wraps any Observable. */
  static from<T>(source: Observable<T>): TaskStreamObservable<T> {
    return new TaskStreamObservable<T>((subscriber) => source.subscribe(subscriber));
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    const buffer: T[] = [];
    let done = false;
    let failure: { error: unknown } | undefined;
    let wake: (() => void) | undefined;
    const subscription = this.subscribe({
      next: (value) => {
        buffer.push(value);
        wake?.();
      },
      error: (error: unknown) => {
        failure = { error };
        wake?.();
      },
      complete: () => {
        done = true;
        wake?.();
      },
    });
    return {
      next: async (): Promise<IteratorResult<T>> => {
        for (;;) {
          if (buffer.length > 0) return { value: buffer.shift() as T, done: false };
          if (failure) throw failure.error;
          if (done) return { value: undefined, done: true };
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
        }
      },
      return: async (): Promise<IteratorResult<T>> => {
        subscription.unsubscribe();
        done = true;
        return { value: undefined, done: true };
      },
    };
  }
}

/** Errors the stream with `makeError()` if it has not completed `ms` after subscription. Exact: one timer. */
export function withDeadline<T>(
  source: Observable<T>,
  ms: number | undefined,
  makeError: () => Error,
): Observable<T> {
  if (ms === undefined) return source;
  return new Observable<T>((subscriber) => {
    const timer = setTimeout(() => subscriber.error(makeError()), ms);
    const subscription = source.subscribe({
      next: (value) => subscriber.next(value),
      error: (error: unknown) => {
        clearTimeout(timer);
        subscriber.error(error);
      },
      complete: () => {
        clearTimeout(timer);
        subscriber.complete();
      },
    });
    return () => {
      clearTimeout(timer);
      subscription.unsubscribe();
    };
  });
}
