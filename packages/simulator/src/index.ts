export type { SimulatedTask, TimelineEntry } from './engine/engine.js';
export { failureMessage } from './failures.js';
export { API_VERSION } from './http/handler.js';
export type { FaultKind, KeyStats, RequestLogEntry, RouteName, SimulatorStats } from './http/stats.js';
export { keyId, SIMULATOR_API_KEY } from './keys.js';
export type {
  Faults,
  MsRange,
  ProgressMode,
  RouteFaults,
  SimulatorOptions,
  TimingOptions,
} from './options.js';
export { DEFAULT_RUN_MS } from './options.js';
export { SAMPLE_MEDIA, sampleInput } from './sample-input.js';
export type { Simulator } from './simulator.js';
export { startSimulator } from './simulator.js';
