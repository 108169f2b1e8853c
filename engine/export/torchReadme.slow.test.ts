/**
 * The exported README's commands run as written (system PyTorch 1.13 on CPU): an export of the
 * tabular template with its CSV copied in, `python3` = /usr/bin/python3. The single-process line,
 * the --nproc line (the hint the CLI prints) and the torchrun line for this PyTorch run verbatim;
 * the several-machines line runs with its placeholders filled for one machine on the loopback
 * (N=1, G=2, HOST=127.0.0.1, CPU); the PyTorch ≥ 2 / GPU line and sbatch need hardware this
 * machine lacks (train.sbatch is syntax-checked). Skipped, with the reason, without torch.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadGraphDoc } from '../graph/load.js';
import { PYTHON, runPython, torchUnavailable } from '../node/exportHarness.js';
import { exportPytorch, trainHint } from './pytorch/index.js';

const skipReason = torchUnavailable();
const templatePath = join(__dirname, '..', '..', 'templates', 'tabular-perceiver.json');

describe.skipIf(skipReason !== null)(
  `the exported README's commands${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    const work = mkdtempSync(join(tmpdir(), 'ps-torchreadme-'));
    afterAll(() => rmSync(work, { recursive: true, force: true }));

    it('run as written', () => {
      const doc = loadGraphDoc(readFileSync(templatePath, 'utf8'), templatePath);
      doc.training.epochs = 2; // the README states the template's settings; two epochs keep this quick
      const csv = runPython(
        `import numpy as np
rng = np.random.default_rng(2)
print("a,b,c,d,e,f,g,h,kind")
for r in rng.normal(size=(160, 8)):
    print(",".join(f"{v:.4f}" for v in r) + ("," + ("x" if r[0] + r[1] > 0 else "y")))`,
      );
      const ex = exportPytorch(doc, { dataFile: 'data/rows.csv', dataNote: 'rows' });
      const pkg = join(work, 'pkg');
      for (const [f, c] of ex.files) {
        mkdirSync(join(pkg, f, '..'), { recursive: true });
        writeFileSync(join(pkg, f), c);
      }
      mkdirSync(join(pkg, 'data'), { recursive: true });
      writeFileSync(join(pkg, 'data', 'rows.csv'), csv);
      const bin = join(work, 'bin');
      mkdirSync(bin);
      symlinkSync(PYTHON, join(bin, 'python3'));
      const readme = readFileSync(join(pkg, 'README.md'), 'utf8');
      const train = readme.slice(readme.indexOf('## Train'), readme.indexOf('## Measured'));
      const commands = [...train.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) =>
        m[1]!.split('\n').filter((l) => l && !l.startsWith('#')),
      );
      expect(commands).toContain(trainHint('data/rows.csv'));
      const run = (cmd: string) => {
        const r = spawnSync('bash', ['-c', cmd], {
          cwd: pkg,
          encoding: 'utf8',
          timeout: 280_000,
          env: { ...process.env, PATH: `${bin}:/usr/bin:/bin`, OMP_NUM_THREADS: '1' },
        });
        expect(r.status, `${cmd}\n${r.stdout}\n${r.stderr}`).toBe(0);
        expect(r.stdout + r.stderr, cmd).toMatch(/epoch 2: loss/);
        rmSync(join(pkg, 'checkpoints'), { recursive: true, force: true });
      };
      const ran: string[] = [];
      const torchVersion = runPython('import torch; print(torch.__version__)').trim();
      const legacy = /^1\./.test(torchVersion);
      for (const cmd of commands) {
        if (cmd.startsWith('sbatch ')) {
          const r = spawnSync('bash', ['-n', join(pkg, 'train.sbatch')], { encoding: 'utf8' });
          expect(r.status, r.stderr).toBe(0);
        } else if (cmd.startsWith('# =') || cmd.includes('--nproc_per_node=gpu')) {
          expect(cmd).toContain('--device cuda'); // the GPU / PyTorch ≥ 2 form: no GPU here
        } else if (cmd.includes('--redirects 2 --tee 2')) {
          if (legacy) {
            run(cmd);
            ran.push(cmd);
          }
        } else if (cmd.includes('--nnodes N')) {
          const filled = cmd
            .replace('--nproc G', '--nproc 2')
            .replace('--nnodes N', '--nnodes 1')
            .replace('HOST:29500', '127.0.0.1:29533')
            .replace('--device cuda', '--device cpu');
          run(filled);
          ran.push(filled);
        } else {
          run(cmd);
          ran.push(cmd);
        }
      }
      expect(ran.length).toBeGreaterThanOrEqual(legacy ? 4 : 3);
      expect(existsSync(join(pkg, 'requirements.txt'))).toBe(true);
      console.log(`ran as written (PyTorch ${torchVersion}):\n${ran.join('\n')}`);
    }, 600_000);
  },
);
