/**
 * Every Python file a PyTorch export writes compiles (`python3 -m py_compile`) and lints clean
 * (`pyflakes3`, Debian's python3-pyflakes): the verbatim files in engine/export/pytorch/py and the
 * generated model.py of every template and of seeded random graphs. Skipped, with the reason,
 * when python3 or pyflakes3 is missing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadGraphDoc } from '../graph/load.js';
import { PYTHON, randomGraph } from '../node/exportHarness.js';
import { exportPytorch } from './pytorch/index.js';
import { PYTHON_SOURCES } from './pytorch/sources.js';

const PYFLAKES = process.env.PERCEIVER_PYFLAKES ?? 'pyflakes3';
const hasPyflakes = spawnSync(PYFLAKES, ['--version'], { encoding: 'utf8' }).status === 0;
const skipReason = !existsSync(PYTHON)
  ? `${PYTHON} does not exist`
  : !hasPyflakes
    ? `${PYFLAKES} not found (apt install pyflakes3)`
    : null;
const templatesDir = join(__dirname, '..', '..', 'templates');
const pyDir = join(__dirname, 'pytorch', 'py');

const pycache = mkdtempSync(join(tmpdir(), 'ps-pycache-'));

function check(dir: string): void {
  const files = readdirSync(dir).filter((f) => f.endsWith('.py'));
  expect(files.length).toBeGreaterThan(0);
  // The byte code goes to a scratch folder, not into the source tree.
  const compiled = spawnSync(PYTHON, ['-m', 'py_compile', ...files], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, PYTHONPYCACHEPREFIX: pycache },
  });
  expect(compiled.status, `py_compile in ${dir}:\n${compiled.stderr}`).toBe(0);
  const lint = spawnSync(PYFLAKES, files, { cwd: dir, encoding: 'utf8' });
  expect(lint.status, `pyflakes3 in ${dir}:\n${lint.stdout}${lint.stderr}`).toBe(0);
}

describe.skipIf(skipReason !== null)(
  `exported Python compiles and lints clean${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    const work = mkdtempSync(join(tmpdir(), 'ps-pylint-'));
    afterAll(() => {
      rmSync(work, { recursive: true, force: true });
      rmSync(pycache, { recursive: true, force: true });
    });

    it('ships every .py in engine/export/pytorch/py, byte for byte', () => {
      // A local `python3` run beside the sources may leave __pycache__/: not a shipped file.
      for (const f of readdirSync(pyDir).filter((n) => n !== '__pycache__')) {
        expect(PYTHON_SOURCES.get(f), `${f} is in py/ but not in sources.ts`).toBe(
          readFileSync(join(pyDir, f), 'utf8'),
        );
      }
      check(pyDir);
      const sbatch = spawnSync('bash', ['-n', join(pyDir, 'train.sbatch')], { encoding: 'utf8' });
      expect(sbatch.status, sbatch.stderr).toBe(0);
    });

    const docs = [
      ...readdirSync(templatesDir)
        .filter((f) => f.endsWith('.json'))
        .map((f) => ({ name: f, doc: () => loadGraphDoc(readFileSync(join(templatesDir, f), 'utf8'), f) })),
      ...[1, 2, 3, 4, 5, 6].map((seed) => ({ name: `random graph ${seed}`, doc: () => randomGraph(seed) })),
    ];
    it.each(docs)('$name: every file of its package', ({ name, doc }) => {
      const dir = join(work, name.replace(/[^A-Za-z0-9]+/g, '_'));
      mkdirSync(dir);
      for (const [file, contents] of exportPytorch(doc()).files)
        if (file.endsWith('.py')) writeFileSync(join(dir, file), contents);
      check(dir);
    });
  },
);
