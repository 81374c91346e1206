import { setTimeout as realSleep } from 'node:timers/promises';
import RunwayML, {
  AuthenticationError,
  BadRequestError,
  NotFoundError,
  RateLimitError,
  TaskFailedError,
  toFile,
} from '@runwayml/sdk';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SAMPLE_MEDIA, type Simulator } from '../src/index.js';
import { eventually, simulator } from './support.js';

const { image, video } = SAMPLE_MEDIA;
const PROMPT = 'A lighthouse on a cliff at dusk';
/** Bodies are written as the SDK types them, not taken from this package's helpers. */
const textToImage = (promptText = PROMPT) => ({
  model: 'gen4_image' as const,
  promptText,
  ratio: '1920:1080' as const,
});

const fast = { timing: { queueMs: [0, 200], runMs: [500, 2_000] } } as const;

const sdkFor = (sim: Simulator, options: { apiKey?: string; maxRetries?: number } = {}) =>
  new RunwayML({
    apiKey: options.apiKey ?? sim.apiKey,
    baseURL: sim.url,
    maxRetries: options.maxRetries ?? 2,
  });

/**
 * The SDK sleeps 6 s ± 1.5 s before each poll. Its sleeps run on a fake clock that this drives a
 * second at a time, while the simulator and the network run in real time.
 */
async function settle<T>(pending: Promise<T>): Promise<T> {
  let done = false;
  const watched = pending.finally(() => {
    done = true;
  });
  watched.catch(() => undefined);
  for (let i = 0; i < 60 && !done; i++) {
    await vi.advanceTimersByTimeAsync(1000);
    await realSleep(20);
  }
  return watched;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('the official Runway SDK against the simulator', () => {
  it('creates every shared task type and waits for its output', async () => {
    const sim = await simulator(fast);
    const sdk = sdkFor(sim);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const runs = [
      sdk.textToVideo
        .create({ model: 'gen4.5', promptText: PROMPT, ratio: '1280:720', duration: 5 })
        .waitForTaskOutput(),
      sdk.imageToVideo
        .create({ model: 'gen4_turbo', promptImage: image, ratio: '1280:720' })
        .waitForTaskOutput(),
      sdk.videoToVideo.create({ model: 'aleph2', videoUri: video, promptText: PROMPT }).waitForTaskOutput(),
      sdk.textToImage.create(textToImage()).waitForTaskOutput(),
      sdk.characterPerformance
        .create({
          model: 'act_two',
          character: { type: 'image', uri: image },
          reference: { type: 'video', uri: video },
        })
        .waitForTaskOutput(),
      sdk.videoUpscale
        .create({ model: 'magnific_video_upscaler_creative', videoUri: video })
        .waitForTaskOutput(),
      sdk.soundEffect
        .create({ model: 'eleven_text_to_sound_v2', promptText: 'Waves on rocks' })
        .waitForTaskOutput(),
    ];
    const results = await settle(Promise.all(runs));
    vi.useRealTimers();
    expect(results).toHaveLength(7);
    for (const task of results) {
      expect(task.status).toBe('SUCCEEDED');
      expect(task.output).toHaveLength(1);
      expect((await fetch(task.output[0] as string)).status).toBe(200);
    }
    expect(sim.stats().tasks.created).toBe(7);
  });

  it('retrieves and deletes tasks, and reports a failed task as TaskFailedError', async () => {
    const sim = await simulator(fast);
    const sdk = sdkFor(sim);
    const { id } = await sdk.textToImage.create(textToImage());
    const first = await sdk.tasks.retrieve(id);
    expect(first.id).toBe(id);
    expect(['PENDING', 'RUNNING', 'THROTTLED']).toContain(first.status);
    await eventually(() => expect(sim.task(id)?.status).toBe('SUCCEEDED'));
    // retrieve(...).waitForTaskOutput() polls at once: the task is already done.
    const done = await sdk.tasks.retrieve(id).waitForTaskOutput();
    expect(done.output[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/__simulator\/outputs\//);

    await sdk.tasks.delete(id);
    await expect(sdk.tasks.retrieve(id)).rejects.toBeInstanceOf(NotFoundError);

    const failing = await sdk.textToImage.create(textToImage('[fail:SAFETY.INPUT.TEXT] no'));
    await eventually(() => expect(sim.task(failing.id)?.status).toBe('FAILED'));
    const error = await sdk.tasks
      .retrieve(failing.id)
      .waitForTaskOutput()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect((error as TaskFailedError).taskDetails).toMatchObject({
      status: 'FAILED',
      failureCode: 'SAFETY.INPUT.TEXT',
    });

    const running = await sdk.textToVideo.create({
      model: 'gen4.5',
      promptText: 'a long one [slow]',
      ratio: '1280:720',
      duration: 5,
    });
    await sdk.tasks.delete(running.id);
    expect((await sdk.tasks.retrieve(running.id)).status).toBe('CANCELLED');
  });

  it('raises the typed errors for 400, 401, 404 and 429', async () => {
    const sim = await simulator({ ...fast, dailyLimit: 1 });
    const sdk = sdkFor(sim, { maxRetries: 0 });

    const bad = await sdk.textToVideo
      .create({ model: 'gen4.5', promptText: PROMPT, ratio: '1:1' as '1280:720', duration: 5 })
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(BadRequestError);
    expect((bad as BadRequestError).status).toBe(400);
    expect((bad as BadRequestError).error).toMatchObject({ issues: [{ path: ['ratio'] }] });

    const unauthorised = await sdkFor(sim, { apiKey: 'key_not_hex_zz' })
      .tasks.retrieve('6a1f8a51-8f0c-4b55-9a47-0d3c1b1f2a3e')
      .catch((e: unknown) => e);
    expect(unauthorised).toBeInstanceOf(AuthenticationError);

    const missing = await sdk.tasks.retrieve('6a1f8a51-8f0c-4b55-9a47-0d3c1b1f2a3e').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NotFoundError);
    const missingDelete = await sdk.tasks
      .delete('6a1f8a51-8f0c-4b55-9a47-0d3c1b1f2a3e')
      .catch((e: unknown) => e);
    expect(missingDelete).toBeInstanceOf(NotFoundError);

    await sdk.textToImage.create(textToImage());
    const limited = await sdk.textToImage.create(textToImage()).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(RateLimitError);
    expect(Number((limited as RateLimitError).headers?.get('retry-after'))).toBeGreaterThan(80_000);
  });

  it('uploads a file with uploads.createEphemeral and uses its runway:// URI', async () => {
    const sim = await simulator(fast);
    const sdk = sdkFor(sim);
    const png = Buffer.from(SAMPLE_MEDIA.image.split(',')[1] as string, 'base64');
    const { uri } = await sdk.uploads.createEphemeral({ file: await toFile(png, 'frame.png') });
    expect(uri).toMatch(/^runway:\/\//);
    const { id } = await sdk.imageToVideo.create({
      model: 'gen4_turbo',
      promptImage: uri,
      ratio: '1280:720',
    });
    await eventually(() => expect(sim.task(id)?.status).toBe('SUCCEEDED'));
    expect(sim.task(id)?.input.promptImage).toBe(uri);
  });
});
