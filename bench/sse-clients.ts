/**
 * Many Server-Sent Events clients in one process, for the SSE fan-out benchmark: raw HTTP GETs
 * that parse the stream (cheaper than EventSource objects). argv[2] is JSON
 * `{ urls: string[], perUrl: number }`. Prints one JSON line `{"ready": n}` once every stream
 * answered 200, then one line with the results once every stream ended:
 * `{ receipts: { [taskId]: { [wireStatus]: number[] } }, events, failures }`, each number the
 * wall-clock ms at which one client first received that state.
 */
import { request } from 'node:http';

interface Config {
  readonly urls: readonly string[];
  readonly perUrl: number;
}

const config = JSON.parse(process.argv[2] ?? '{}') as Config;
const receipts: Record<string, Record<string, number[]>> = {};
let events = 0;
let failures = 0;
let open = 0;
let ended = 0;
const total = config.urls.length * config.perUrl;

function record(taskId: string, wireStatus: string, at: number): void {
  const byStatus = receipts[taskId] ?? {};
  receipts[taskId] = byStatus;
  const times = byStatus[wireStatus] ?? [];
  byStatus[wireStatus] = times;
  times.push(at);
}

function finishOne(): void {
  ended += 1;
  if (ended === total) {
    process.stdout.write(`${JSON.stringify({ receipts, events, failures })}\n`);
    process.exit(0);
  }
}

function connect(url: string): void {
  const seen = new Set<string>();
  let buffer = '';
  const req = request(url, { agent: false, headers: { accept: 'text/event-stream' } }, (res) => {
    if (res.statusCode !== 200) {
      failures += 1;
      res.resume();
      finishOne();
      return;
    }
    open += 1;
    if (open + failures === total) process.stdout.write(`${JSON.stringify({ ready: open })}\n`);
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      const now = Date.now();
      buffer += chunk;
      let split = buffer.indexOf('\n\n');
      while (split >= 0) {
        const block = buffer.slice(0, split);
        buffer = buffer.slice(split + 2);
        split = buffer.indexOf('\n\n');
        if (!block.startsWith('event: task\n')) continue;
        const data = block.slice(block.indexOf('data: ') + 6);
        const view = JSON.parse(data) as { id: string; wireStatus?: string; status: string };
        events += 1;
        const state = view.wireStatus ?? view.status;
        if (seen.has(state)) continue;
        seen.add(state);
        record(view.id, state, now);
      }
    });
    res.once('close', finishOne);
  });
  req.on('error', () => {
    failures += 1;
    finishOne();
  });
  req.end();
}

for (const url of config.urls) for (let i = 0; i < config.perUrl; i++) connect(url);
