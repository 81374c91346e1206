// A simulator in its own process, for benchmarks: options as JSON in argv[2]; prints {url, apiKey}.
import { startSimulator } from '@runway-rx/simulator';

const sim = await startSimulator(JSON.parse(process.argv[2] ?? '{}'));
console.log(JSON.stringify({ url: sim.url, apiKey: sim.apiKey }));
const stop = async () => {
  await sim.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
