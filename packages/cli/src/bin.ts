#!/usr/bin/env node
import { runCli } from './cli.js';
import { ExitCode } from './errors.js';

const interrupt = new AbortController();
let signals = 0;

// First Ctrl-C: stop gracefully (cancel what runs at Runway). Second: leave at once.
const onSignal = () => {
  signals += 1;
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
process.exitCode = code;
// Everything is closed by now; should a handle linger, it must not keep the command alive.
setTimeout(() => process.exit(code), 1_000).unref();
