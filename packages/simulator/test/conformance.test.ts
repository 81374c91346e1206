import { existsSync, readFileSync } from 'node:fs';
import { modelsOf, TASK_TYPE_NAMES, type TaskType } from '@runway-rx/core';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { extractSubset, FULL_SPEC_URL } from '../scripts/extract-openapi-subset.js';
import { sampleInput } from '../src/index.js';
import { api, delay, simulator } from './support.js';

/**
 * Every answer of the simulator checked against the schemas of Runway's OpenAPI spec (version
 * 2024-11-06), compiled by a JSON Schema 2020-12 validator. The schemas come from a fixture holding
 * the spec's operations for these routes verbatim; the last test checks the fixture against the
 * full spec when the workspace has it.
 */

type Spec = {
  paths: Record<string, Record<string, { requestBody?: Content; responses: Record<string, Content> }>>;
};
type Content = { content?: Record<string, { schema: object }> };

const FIXTURE = new URL('./fixtures/runway-openapi.subset.json', import.meta.url);
const spec = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Spec;

const ajv = new Ajv2020({ strict: false, allErrors: true, discriminator: true });
addFormats(ajv);

const compiled = new Map<string, ValidateFunction>();
function schemaOf(path: string, method: string, status: string): ValidateFunction {
  const key = `${method} ${path} ${status}`;
  let validate = compiled.get(key);
  if (!validate) {
    const content = spec.paths[path]?.[method]?.responses[status]?.content?.['application/json'];
    if (!content) throw new Error(`The spec has no JSON answer for ${key}`);
    validate = ajv.compile(content.schema);
    compiled.set(key, validate);
  }
  return validate;
}

function requestSchemaOf(path: string): ValidateFunction | undefined {
  const content = spec.paths[path]?.post?.requestBody?.content?.['application/json'];
  return content ? ajv.compile(content.schema) : undefined;
}

function expectConforms(validate: ValidateFunction, body: unknown, what: string): void {
  const valid = validate(body);
  expect(valid, `${what}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body)}`).toBe(true);
}

/** The spec's path for a task type; lip sync and frame interpolation are not in the public API. */
const specPath = (type: TaskType) => (spec.paths[`/v1/${type}`] ? `/v1/${type}` : undefined);

const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

describe('conformance with the API spec', () => {
  it('answers creates and every task state of every task type and model as the spec says', async () => {
    const sim = await simulator({
      concurrency: 1,
      timing: { queueMs: [2_000, 4_000], runMs: [5_000, 10_000] },
    });
    const client = api(sim);
    const ids: string[] = [];
    const seen = new Set<string>();
    const validate = schemaOf('/v1/tasks/{id}', 'get', '200');
    const read = async (id: string) => {
      const reply = await client.get(id);
      expect(reply.status).toBe(200);
      expectConforms(validate, reply.body, `GET ${id}`);
      const { status } = reply.body as { status: string };
      seen.add(status);
      return status;
    };
    const create = async (type: TaskType, input: unknown) => {
      const reply = await client.create(type, input);
      expect(reply.status, `${type} ${JSON.stringify(input).slice(0, 80)}`).toBe(200);
      // Endpoints the public API lacks answer with the same create shape as the others.
      expectConforms(
        schemaOf(specPath(type) ?? '/v1/text_to_video', 'post', '200'),
        reply.body,
        `POST ${type}`,
      );
      const { id } = reply.body as { id: string };
      ids.push(id);
      await read(id);
      return id;
    };
    for (const type of TASK_TYPE_NAMES) {
      for (const model of modelsOf(type)) {
        await create(type, (sampleInput as (t: TaskType, m: string) => unknown)(type, model));
      }
    }
    // A long task holding the model's one slot, so those after it are THROTTLED for a while; one
    // failure; one cancellation.
    await create('text_to_image', sampleInput('text_to_image', 'gen4_image', { promptText: 'long [slow]' }));
    for (let i = 0; i < 2; i++) await create('text_to_image', sampleInput('text_to_image'));
    await create('text_to_image', sampleInput('text_to_image', 'gen4_image', { promptText: '[fail] storm' }));
    const cancelled = await create(
      'text_to_video',
      sampleInput('text_to_video', 'gen4.5', { promptText: '[slow]' }),
    );

    let pending = [...ids];
    let rounds = 0;
    while (pending.length > 0 && rounds++ < 2000) {
      const next: string[] = [];
      for (const id of pending) {
        const status = await read(id);
        if (status === 'RUNNING' && id === cancelled) expect((await client.delete(id)).status).toBe(204);
        if (!TERMINAL.has(status)) next.push(id);
      }
      pending = next;
      await delay(2);
    }
    expect(pending).toEqual([]);
    expect([...seen].sort()).toEqual(['CANCELLED', 'FAILED', 'PENDING', 'RUNNING', 'SUCCEEDED', 'THROTTLED']);
  });

  it('takes the sample inputs of every model the spec knows as valid requests', () => {
    let checked = 0;
    for (const type of TASK_TYPE_NAMES) {
      const path = specPath(type);
      const validate = path ? requestSchemaOf(path) : undefined;
      if (!validate) continue;
      for (const model of modelsOf(type)) {
        const input = (sampleInput as (t: TaskType, m: string) => unknown)(type, model);
        // Models of the library's contract that the public API no longer has are not in the spec.
        if (!JSON.stringify(validate.schema).includes(`"const":"${model}"`)) continue;
        expectConforms(validate, input, `${type} ${model} request`);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(14);
  });

  it('answers errors with the bodies the spec gives them', async () => {
    const sim = await simulator({ dailyLimit: { gen4_image: 1 } });
    const client = api(sim);
    const create400 = schemaOf('/v1/text_to_video', 'post', '400');

    const invalid = await client.create('text_to_video', { model: 'gen4.5', promptText: '', ratio: '1:1' });
    expect(invalid.status).toBe(400);
    expectConforms(create400, invalid.body, '400 validation');
    expect((invalid.body as { issues: unknown[] }).issues.length).toBe(3);

    const notJson = await client.send('POST', '/v1/text_to_video', '{');
    expect(notJson.status).toBe(400);
    expectConforms(create400, notJson.body, '400 not JSON');

    const noVersion = await client.send('POST', '/v1/text_to_video', sampleInput('text_to_video'), {
      'x-runway-version': undefined,
    });
    expect(noVersion.status).toBe(400);
    expectConforms(create400, noVersion.body, '400 version');

    const notFound = await client.get('6a1f8a51-8f0c-4b55-9a47-0d3c1b1f2a3e');
    expect(notFound.status).toBe(404);
    const error404 = schemaOf('/v1/tasks/{id}', 'get', '404');
    expectConforms(error404, notFound.body, '404');

    // The spec gives 401 no body schema; it is the same `{ error }` object as its 404 and 429.
    const unauthorised = await api(sim, 'key_zz').get('6a1f8a51-8f0c-4b55-9a47-0d3c1b1f2a3e');
    expect(unauthorised.status).toBe(401);
    expectConforms(error404, unauthorised.body, '401');

    expect((await client.create('text_to_image', sampleInput('text_to_image'))).status).toBe(200);
    const daily = await client.create('text_to_image', sampleInput('text_to_image'));
    expect(daily.status).toBe(429);
    expectConforms(schemaOf('/v1/text_to_image', 'post', '429'), daily.body, '429 daily limit');

    sim.setFaults({ create: { rate429: 1 } });
    const fault429 = await client.create('sound_effect', sampleInput('sound_effect'));
    expect(fault429.status).toBe(429);
    expectConforms(schemaOf('/v1/sound_effect', 'post', '429'), fault429.body, '429 fault');
    sim.setFaults({});

    const upload = await client.send('POST', '/v1/uploads', { filename: 'clip.mp4', type: 'ephemeral' });
    expect(upload.status).toBe(200);
    expectConforms(schemaOf('/v1/uploads', 'post', '200'), upload.body, 'upload');
    sim.setFaults({ all: { rate429: 1 } });
    const upload429 = await client.send('POST', '/v1/uploads', { filename: 'clip.mp4', type: 'ephemeral' });
    expect(upload429.status).toBe(429);
    expectConforms(schemaOf('/v1/uploads', 'post', '429'), upload429.body, 'upload 429');
    sim.setFaults({});

    const id = sim.tasks()[0]?.id as string;
    const deleted = await client.delete(id);
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
  });

  it.skipIf(!existsSync(FULL_SPEC_URL))('uses the spec verbatim: the fixture matches the full spec', () => {
    const full = JSON.parse(readFileSync(FULL_SPEC_URL, 'utf8')) as Record<string, unknown>;
    expect(extractSubset(full)).toEqual(spec);
  });
});
