/**
 * `pnpm start`: the playground on http://127.0.0.1:3000 (or `PORT`), on the built-in simulator
 * unless `RUNWAYML_API_SECRET` is set. Ctrl-C stops everything.
 */
import { startDiscordBot } from './discord.js';
import { startPlayground } from './playground.js';

const playground = await startPlayground();

/** Things to stop on exit, last started first. Other front ends (a Discord bot) add theirs. */
const closers: (() => Promise<void>)[] = [() => playground.close()];

const where =
  playground.mode === 'simulator'
    ? `the built-in simulator at ${playground.simulator?.url} (no key, no internet)`
    : 'the Runway API (RUNWAYML_API_SECRET)';
console.log(`runway-rx playground: ${playground.url}`);
console.log(`  tasks run on ${where}; Ctrl-C to stop`);

// The /runway Discord command, on the same client, when DISCORD_TOKEN and DISCORD_APPLICATION_ID are set.
const bot = await startDiscordBot(playground.client, { app: playground.app }).catch((error: unknown) => {
  console.error(`  discord: not started: ${error instanceof Error ? error.message : String(error)}`);
  return undefined;
});
if (bot) closers.push(() => bot.close());

let stopping = false;
async function stop(signal: NodeJS.Signals): Promise<void> {
  if (stopping) {
    // A second Ctrl-C: do not wait any longer.
    process.exit(130);
  }
  stopping = true;
  console.log(`\n${signal}: stopping`);
  for (const close of closers.reverse()) {
    try {
      await close();
    } catch (error) {
      console.error(error instanceof Error ? error.message : error);
    }
  }
  process.exit(0);
}
process.on('SIGINT', (signal) => void stop(signal));
process.on('SIGTERM', (signal) => void stop(signal));
