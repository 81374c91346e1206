/**
 * Extracts from Runway's OpenAPI spec the operations the simulator serves (task creation on the
 * endpoints it shares with the API, task read and delete, uploads) into the fixture that the
 * conformance tests compile with a JSON Schema validator. Code samples are dropped; everything else
 * is kept as it is.
 *
 * Usage (from packages/simulator):
 *   node --import tsx scripts/extract-openapi-subset.ts [runway-openapi.json] > test/fixtures/runway-openapi.subset.json
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const SUBSET_PATHS = [
  '/v1/tasks/{id}',
  '/v1/uploads',
  '/v1/text_to_video',
  '/v1/image_to_video',
  '/v1/video_to_video',
  '/v1/text_to_image',
  '/v1/character_performance',
  '/v1/video_upscale',
  '/v1/sound_effect',
] as const;

type Json = Record<string, unknown>;

/** The subset of `spec` the simulator is tested against. */
export function extractSubset(spec: Json): Json {
  const allPaths = spec.paths as Record<string, Record<string, Json>>;
  const components = spec.components as Json;
  const paths: Record<string, Record<string, Json>> = {};
  for (const path of SUBSET_PATHS) {
    const operations: Record<string, Json> = {};
    for (const [method, operation] of Object.entries(allPaths[path] ?? {})) {
      const { 'x-codeSamples': _samples, ...rest } = operation;
      operations[method] = rest;
    }
    paths[path] = operations;
  }
  return {
    openapi: spec.openapi,
    info: spec.info,
    paths,
    components: { parameters: components.parameters, securitySchemes: components.securitySchemes },
  };
}

/** Where the full spec lies in this workspace: `shared/reference/` beside the repository. */
export const FULL_SPEC_URL = new URL('../../../../shared/reference/runway-openapi.json', import.meta.url);

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const source = process.argv[2] ?? FULL_SPEC_URL;
  const spec = JSON.parse(readFileSync(source, 'utf8')) as Json;
  process.stdout.write(`${JSON.stringify(extractSubset(spec))}\n`);
}
