/**
 * A local log file users can attach to a bug report: `<userData>/logs/main.log`, one line per
 * event (ISO time, level, message), kept under a size cap by rotating to `main.old.log`. Written
 * synchronously (a crash right after must not lose the line); never throws.
 */
import { appendFileSync, existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const LOG_MAX_BYTES = 1024 * 1024;

export type LogLevel = 'info' | 'warn' | 'error';

export class LogFile {
  readonly path: string;
  readonly oldPath: string;

  constructor(
    readonly dir: string,
    private readonly maxBytes = LOG_MAX_BYTES,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.path = join(dir, 'main.log');
    this.oldPath = join(dir, 'main.old.log');
  }

  write(level: LogLevel, message: string): void {
    try {
      mkdirSync(this.dir, { recursive: true });
      if (existsSync(this.path) && statSync(this.path).size >= this.maxBytes) renameSync(this.path, this.oldPath);
      // One event per line: newlines inside a message (stack traces) are indented continuation lines.
      const text = String(message).replace(/\r?\n/g, '\n    ');
      appendFileSync(this.path, `${this.now().toISOString()} ${level.toUpperCase().padEnd(5)} ${text}\n`);
    } catch {
      // A full or read-only disk must not take the app down with it.
    }
  }

  info(m: string): void {
    this.write('info', m);
  }
  warn(m: string): void {
    this.write('warn', m);
  }
  error(m: string): void {
    this.write('error', m);
  }
}
