import { randomBytes } from 'node:crypto';
import type { Request, RequestHandler } from 'express';

const COOKIE = 'rrx_playground';
const VALUE = /^[A-Za-z0-9_-]{22}$/;

function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
}

/**
 * One principal per browser: a random id in an HttpOnly, SameSite=Strict cookie, set on the first
 * request that lacks it. Each browser sees and cancels only its own tasks. It identifies a browser,
 * not a person (there are no accounts in the playground); a real app's `authorize` would read its
 * session instead.
 */
export function browserPrincipal(): {
  middleware: RequestHandler;
  authorize: (req: Request) => string | undefined;
} {
  const principals = new WeakMap<Request, string>();
  const middleware: RequestHandler = (req, res, next) => {
    let id = readCookie(req, COOKIE);
    if (!id || !VALUE.test(id)) {
      id = randomBytes(16).toString('base64url');
      res.cookie(COOKIE, id, { httpOnly: true, sameSite: 'strict', path: '/' });
    }
    principals.set(req, id);
    next();
  };
  return { middleware, authorize: (req) => principals.get(req) };
}
