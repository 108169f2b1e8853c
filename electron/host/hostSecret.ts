/**
 * The web host's per-launch secret. Anyone on this computer can connect to 127.0.0.1, so the
 * Origin/Host checks alone do not keep out another user or process: every /api call must carry
 * a 256-bit random key that only the launching user sees (in the URL printed to their terminal,
 * after the `#`, which browsers never send to a server nor write to its logs).
 *
 * Tests and scripts that start the host for themselves may hand it a key through the
 * PERCEIVER_HOST_SECRET environment variable (an environment is readable only by its owner,
 * unlike a command line); the variable is removed from the process once read.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';

export const SECRET_HEADER = 'x-perceiver-secret';
export const SECRET_ENV = 'PERCEIVER_HOST_SECRET';
/** The fragment key the printed URL carries: http://127.0.0.1:4817/#key=… */
export const SECRET_FRAGMENT_KEY = 'key';

const SECRET_SHAPE = /^[A-Za-z0-9_-]{32,128}$/;

export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** The key to use for this launch: from PERCEIVER_HOST_SECRET when set (then unset), else a new one. */
export function secretFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const given = env[SECRET_ENV];
  delete env[SECRET_ENV];
  if (given === undefined || given === '') return newSecret();
  if (!SECRET_SHAPE.test(given)) {
    throw new Error(
      `${SECRET_ENV} must be 32-128 characters of A-Z, a-z, 0-9, "-" or "_" (it is the host's key); unset it to get a random one.`,
    );
  }
  return given;
}

/** Constant-time comparison of a request header with the launch's key. */
export function secretMatches(header: string | string[] | undefined, secret: string): boolean {
  if (typeof header !== 'string' || secret.length === 0) return false;
  const a = Buffer.from(header, 'utf8');
  const b = Buffer.from(secret, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The URL to print: the page moves the key out of the fragment into memory on load. */
export function urlWithSecret(base: string, secret: string): string {
  return `${base}#${SECRET_FRAGMENT_KEY}=${secret}`;
}
