#!/usr/bin/env node
import { runCli } from './cli.js';
import { ExitCode } from './errors.js';

const interrupt = new AbortController();
let signals = 0;
let terminated = false;

// First Ctrl-C: stop gracefully (cancel what runs at Runway). Second: leave at once.
const onSignal = (signal: NodeJS.Signals) => {
  signals += 1;
  terminated ||= signal === 'SIGTERM';
  if (signals === 1) {
    interrupt.abort();
    return;
  }
  process.stderr.write('\nStopped without waiting: tasks may still be running at Runway.\n');
  process.exit(ExitCode.Interrupted);
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

// A closed pipe (`runway-rx … --json | head -1`) is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  signal: interrupt.signal,
});
// Stopped by SIGTERM rather than Ctrl-C: the conventional 128 + 15.
const exitCode = code === ExitCode.Interrupted && terminated ? 143 : code;
process.exitCode = exitCode;
// Everything is closed by now; should a handle linger, it must not keep the command alive.
setTimeout(() => process.exit(exitCode), 1_000).unref();
