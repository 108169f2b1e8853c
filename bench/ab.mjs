#!/usr/bin/env node
// A/B of two (or more) variants of one bench/workers/train.ts configuration, interleaved:
//   node bench/ab.mjs [--rounds 8] [--steps 5] -- "--impl compiled --opt tfjs" "--impl compiled --opt fused"
// A variant starting with "@DIR " runs in another checkout (e.g. `git archive HEAD | tar -x -C DIR`
// with node_modules linked) to compare code changes. Prints median step times and ratios to the first.
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { interleave, median, Worker } from './lib/workers.mjs';
import { buildKernels } from '../scripts/build-kernels.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const opt = (n, d) => (argv.includes(n) ? Number(argv[argv.indexOf(n) + 1]) : d);
const sep = argv.indexOf('--');
const variants = sep >= 0 ? argv.slice(sep + 1) : [];
if (variants.length < 2)
  throw new Error('give at least two variants after --, each one quoted string of worker arguments');
await buildKernels({ quiet: true }); // engine/kernels (a no-op when up to date)
const workers = variants.map((v) => {
  const words = v.split(/\s+/).filter(Boolean);
  const cwd = words[0]?.startsWith('@') ? words.shift().slice(1) : root;
  return new Worker(v, process.execPath, ['--import', 'tsx', 'bench/workers/train.ts', ...words], { cwd });
});
try {
  const infos = await Promise.all(workers.map((w) => w.info));
  const times = await interleave(workers, { rounds: opt('--rounds', 8), steps: opt('--steps', 5) });
  const med = times.map(median);
  variants.forEach((v, i) =>
    console.log(
      `${med[i].toFixed(1).padStart(8)} ms  ×${(med[0] / med[i]).toFixed(3)}  params ${infos[i].params}  ${v}`,
    ),
  );
  const ends = await Promise.all(workers.map((w) => w.quit()));
  ends.forEach(
    (e, i) =>
      e &&
      console.log(
        `  ${variants[i]}: loss ${e.firstLoss?.toFixed(4)} → ${e.lastLoss?.toFixed(4)}, leaked ${e.leakedTensors}`,
      ),
  );
} finally {
  for (const w of workers) if (w.proc.exitCode === null) w.proc.kill();
}
