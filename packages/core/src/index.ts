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
