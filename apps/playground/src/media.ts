import { get } from 'node:http';
import type { RequestHandler } from 'express';

/** Where the playground serves outputs from: its own origin, so the simulator's address stays private. */
export const MEDIA_PATH = '/media';

const OUTPUTS_PATH = '/__simulator/outputs/';
/** Headers of the simulator's answer that the browser needs (type, size, ranges for video seeking). */
const PASSED = ['content-type', 'content-length', 'content-range', 'accept-ranges', 'cache-control', 'etag'];

/**
 * Output URLs of the simulator at `origin`, rewritten onto the playground's own origin; any other
 * URL (Runway's CDN) as it is.
 */
export function mediaUrl(origin: string): (url: string) => string {
  const prefix = `${origin}${OUTPUTS_PATH}`;
  return (url) => (url.startsWith(prefix) ? `${MEDIA_PATH}/${url.slice(prefix.length)}` : url);
}

/** Serves `/media/<task>/<file>?…` from the simulator at `origin`, streaming, with ranges. */
export function mediaProxy(origin: string): RequestHandler {
  return (req, res) => {
    const path = req.originalUrl.slice(MEDIA_PATH.length + 1);
    if (!/^[\w-]+\/[\w.-]+(\?[\w=&%.-]*)?$/.test(path)) {
      res.status(404).json({ error: 'not_found', message: 'No such output' });
      return;
    }
    const range = req.headers.range;
    const upstream = get(`${origin}${OUTPUTS_PATH}${path}`, { headers: range ? { range } : {} }, (answer) => {
      res.status(answer.statusCode ?? 502);
      for (const name of PASSED) {
        const value = answer.headers[name];
        if (value !== undefined) res.setHeader(name, value);
      }
      answer.pipe(res);
    });
    upstream.on('error', () => {
      if (!res.headersSent)
        res.status(502).json({ error: 'upstream_unavailable', message: 'Output unavailable' });
      else res.destroy();
    });
    req.on('close', () => upstream.destroy());
  };
}
