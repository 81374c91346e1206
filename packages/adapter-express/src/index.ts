export type { ErrorBody } from './http-error.js';
export { HttpError, toHttpError } from './http-error.js';
export type {
  Authorize,
  Principal,
  RunwayRouter,
  RunwayRouterLimits,
  RunwayRouterOptions,
} from './options.js';
export { runwayRouter } from './router.js';
export type { SseEvent, SseStreamOptions } from './sse.js';
export { formatSseEvent, SseStream } from './sse.js';
export type { Awaitable, InMemoryTaskStoreOptions, TaskOwnership, TaskStore } from './store.js';
export { InMemoryTaskStore } from './store.js';
export type { TaskErrorView, TaskView } from './view.js';
export { isFinalView, SSE_EVENT } from './view.js';
