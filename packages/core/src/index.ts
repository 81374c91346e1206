export {
  createRunwayClient,
  DEFAULT_API_VERSION,
  DEFAULT_BASE_URL,
  DEFAULT_REQUESTS_PER_SECOND,
} from './client/client.js';
export type { InMemoryTaskHubOptions, TaskHub } from './client/hub.js';
export { InMemoryTaskHub, mergeSnapshot } from './client/hub.js';
export type { PollingPolicy } from './client/polling.js';
export { DEFAULT_POLLING, PollSchedule } from './client/polling.js';
export type { RateLimiterOptions } from './client/rate-limiter.js';
export { RateLimiter } from './client/rate-limiter.js';
export { DEFAULT_MODEL_CONCURRENCY } from './client/scheduler.js';
export type {
  CancelResult,
  PollingOptions,
  RetryOptions,
  RunwayClient,
  RunwayClientOptions,
  SchedulerState,
  SchedulerView,
  SubmitOptions,
  SucceededSnapshot,
  TaskMethods,
  TaskStream,
  WatchOptions,
} from './client/types.js';
export type { ValidationIssue } from './errors.js';
export {
  AbortError,
  ApiError,
  AuthenticationError,
  isAbortError,
  isApiError,
  isAuthenticationError,
  isMalformedResponseError,
  isNetworkError,
  isRateLimitError,
  isRunwayRxError,
  isTaskFailedError,
  isTimeoutError,
  isValidationError,
  MalformedResponseError,
  NetworkError,
  RateLimitError,
  RunwayRxError,
  TaskFailedError,
  TimeoutError,
  ValidationError,
} from './errors.js';
export type { FieldSpec, ModelSpec } from './schema/describe.js';
export { describeModel, describeRegistry } from './schema/describe.js';
export type { MediaKind } from './schema/fields.js';
export { checkMediaUri, MEDIA_LIMITS } from './schema/fields.js';
export type {
  CamelCase,
  ModelInput,
  ModelName,
  OutputKind,
  TaskInput,
  TaskType,
  TaskTypeDefinition,
  TaskTypes,
  ValidTaskInput,
} from './schema/registry.js';
export {
  getTaskType,
  isTaskType,
  modelJsonSchema,
  modelSchema,
  modelsOf,
  TASK_TYPE_NAMES,
  TASK_TYPES,
} from './schema/registry.js';
export type {
  CreateTaskResponse,
  QueuedSnapshot,
  TaskEvent,
  TaskSnapshot,
  TaskStatus,
  WireStatus,
  WireTask,
} from './schema/task.js';
export {
  CreateTaskResponseSchema,
  isTerminal,
  normalizeTask,
  parseWireTask,
  TASK_STATUSES,
  TERMINAL_STATUSES,
  WIRE_STATUSES,
  WireTaskSchema,
} from './schema/task.js';
export { safeValidateTaskInput, validateTaskInput } from './schema/validate.js';
