// Line-protocol workers (bench/workers/train.ts, bench/pytorch/worker.py) and interleaving.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export class Worker {
  constructor(label, cmd, args, opts = {}) {
    this.label = label;
    this.proc = spawn(cmd, args, {
      cwd: opts.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...opts.env },
    });
    this.stderr = '';
    this.proc.stderr.on('data', (d) => (this.stderr = (this.stderr + d).slice(-4000)));
    this.waiters = [];
    this.exited = new Promise((res) => this.proc.on('exit', (code) => res(code)));
    this.exited.then(() => {
      for (const w of this.waiters.splice(0))
        w.reject(new Error(`${label} exited: ${this.stderr.trim().split('\n').slice(-3).join(' | ')}`));
    });
    createInterface({ input: this.proc.stdout }).on('line', (line) => {
      let msg;
      try {
        msg = JSON.parse(line);
      } catch {
        return; // library chatter on stdout
      }
      this.waiters.shift()?.resolve(msg);
    });
    this.info = this.next(opts.readyTimeoutMs ?? 180_000);
  }
  next(timeoutMs = 600_000) {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${this.label}: no answer in ${timeoutMs / 1000} s`)), timeoutMs);
      this.waiters.push({
        resolve: (m) => (clearTimeout(t), m.error ? reject(new Error(`${this.label}: ${m.error}`)) : resolve(m)),
        reject: (e) => (clearTimeout(t), reject(e)),
      });
    });
  }
  async ask(line) {
    const p = this.next();
    this.proc.stdin.write(line + '\n');
    return p;
  }
  async quit() {
    if (this.proc.exitCode !== null) return null;
    const r = await this.ask('quit').catch(() => null);
    await Promise.race([this.exited, new Promise((res) => setTimeout(res, 5000))]);
    if (this.proc.exitCode === null) this.proc.kill();
    return r;
  }
}

export function tfjsWorker(root, impl, extra = []) {
  return new Worker(
    `tfjs ${impl} ${extra.join(' ')}`.trim(),
    process.execPath,
    ['--import', 'tsx', 'bench/workers/train.ts', '--impl', impl, ...extra],
    { cwd: root },
  );
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Interleave: each round asks every worker in turn (order rotated per round) for `steps` timed
 * steps. Returns per-worker step times (ms). Shared-machine noise hits all workers alike.
 */
export async function interleave(workers, { rounds, steps }) {
  const times = workers.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let j = 0; j < workers.length; j++) {
      const i = (j + r) % workers.length;
      const stepsFor = Array.isArray(steps) ? steps[i] : steps;
      const { times: t } = await workers[i].ask(`run ${stepsFor}`);
      times[i].push(...t);
    }
  }
  return times;
}
