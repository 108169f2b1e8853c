/**
 * Issue 16: an export of a graph with any name, node labels and data file name is a working
 * package. Fuzzed names (fast-check, plus the attacks that got through: "None", "INPUTS", a NUL,
 * newlines, Markdown, "x$(touch pwned).csv") → every generated .py compiles (python3 -m
 * py_compile), model.py runs where torch is installed, and the README carries the names as text.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { loadGraphDoc } from '../graph/load.js';
import type { GraphDoc } from '../graph/schema.js';
import { PYTHON } from '../node/exportHarness.js';
import { exportPytorch } from './pytorch/index.js';
import { className } from './pytorch/modelPy.js';
import { mdCode, mdText, shQuote } from './textSafety.js';

const base = (): GraphDoc =>
  loadGraphDoc(readFileSync(join(__dirname, '..', '..', 'templates', 'mnist-perceiver-io.json'), 'utf8'));
const hasPython = existsSync(PYTHON);
const hasTorch = hasPython && spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;

const ATTACKS = [
  'None',
  'True',
  'INPUTS',
  'HEADS',
  'NUM_PARAMETERS',
  'build model',
  'Cross Attention', // the class of an imported layer
  'Exception',
  'nul\u0000in name',
  'two\nlines\n# Heading\n\n[click](http://evil.example)',
  '"""; import os; os.system("touch pwned"); """',
  'back\\slash at the end\\',
  '<script>alert(1)</script> | a | table |',
  '```sh\nrm -rf ~\n```',
  '\u202Egnp.exe',
  'line\u2028separator\u2029paragraph\u0085next',
  '\ud800 lone surrogate',
  '',
  '123 digits first',
  'ünïcödé 名前',
];
const DATA_NAMES = ['x$(touch pwned).csv', "it's `here`.csv", 'a b;c|d&e.csv', '-rf.csv', 'plain.csv'];

function withNames(name: string, label: string): GraphDoc {
  const d = base();
  d.name = name;
  d.description = `${label} description`;
  d.nodes[0]!.label = label;
  d.nodes[3]!.label = `${label}\u0000`;
  return d;
}

describe('text safety helpers', () => {
  it('quote shell words, escape Markdown, and fence code spans', () => {
    expect(shQuote('data/mnist.npz')).toBe('data/mnist.npz');
    expect(shQuote('x$(touch pwned).csv')).toBe("'x$(touch pwned).csv'");
    expect(shQuote("it's")).toBe("'it'\\''s'");
    expect(shQuote('-rf')).toBe("'-rf'");
    expect(mdText('a\n# b *c* [d](e)')).toBe('a \\# b \\*c\\* \\[d\\]\\(e\\)');
    expect(mdCode('a`b')).toBe('``a`b``');
    expect(mdCode('two\nlines')).toBe('`two lines`');
  });

  it('class names avoid keywords, builtins, module globals and imported layers', () => {
    expect(className('None')).toBe('NoneModel');
    expect(className('INPUTS')).toBe('INPUTSModel');
    expect(className('exception')).toBe('ExceptionModel');
    expect(className('cross attention', new Set(['CrossAttention']))).toBe('CrossAttentionModel');
    expect(className('MNIST Perceiver IO')).toBe('MNISTPerceiverIO');
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => /^[A-Za-z][A-Za-z0-9]*$/.test(className(s))),
      { numRuns: 300 },
    );
  });
});

describe.skipIf(!hasPython)(
  `exports with hostile names compile${hasTorch ? ' and run' : ' (torch missing: not run)'}`,
  () => {
    const work = mkdtempSync(join(tmpdir(), 'ps-fuzz-names-'));
    afterAll(() => rmSync(work, { recursive: true, force: true }));

    it('every generated file of a fuzzed set of names parses, the README keeps names as text, model.py runs', () => {
      const fuzzed = fc.sample(fc.string({ unit: 'binary', maxLength: 30 }), { numRuns: 12, seed: 16 });
      const cases = [...ATTACKS, ...fuzzed].map((name, i) => ({
        name,
        label: ATTACKS[(i + 7) % ATTACKS.length]!,
        data: `data/${DATA_NAMES[i % DATA_NAMES.length]}`,
      }));
      const dirs: string[] = [];
      cases.forEach((c, i) => {
        const ex = exportPytorch(withNames(c.name, c.label), {
          dataFile: c.data,
          dataNote: `a copy of ${c.label}`,
          weightsSource: c.label,
        });
        const dir = join(work, `case${i}`);
        for (const [path, content] of ex.files) {
          mkdirSync(join(dir, path, '..'), { recursive: true });
          writeFileSync(join(dir, path), content);
        }
        dirs.push(dir);
        const readme = ex.files.get('README.md') as string;
        const lines = readme.split('\n');
        // The name is one heading line: no injected headings, links or code fences.
        expect(lines[0]!.startsWith('# '), c.name).toBe(true);
        let fenced = false;
        const headings = lines.filter((l) => {
          if (l.startsWith('```')) fenced = !fenced;
          return !fenced && /^#\s/.test(l);
        });
        expect(headings, c.name).toEqual([lines[0]]);
        expect(readme, c.name).not.toContain('[click](');
        expect(readme, c.name).not.toContain('<script>');
        expect(readme.split('```').length % 2, c.name).toBe(1);
        // Any shell line that names the data file names it quoted.
        for (const l of lines.filter((x) => /train\.py/.test(x) && x.includes(c.data)))
          expect(l, c.name).toContain(shQuote(c.data));
        expect(readme).not.toContain('\u0000');
        expect(ex.model.source).not.toContain('\u0000');
      });
      const all = dirs.flatMap((d) =>
        readdirSync(d)
          .filter((f) => f.endsWith('.py'))
          .map((f) => join(d, f)),
      );
      const compiled = spawnSync(PYTHON, ['-m', 'py_compile', ...all], {
        encoding: 'utf8',
        env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONPYCACHEPREFIX: join(work, 'pycache') },
      });
      expect(compiled.status, compiled.stderr).toBe(0);
      if (!hasTorch) return;
      // Run model.py of each case in one interpreter (importing torch once): build, forward, INPUTS intact.
      const script = `
import importlib, sys, runpy
ok = 0
for d in sys.argv[1:]:
    for m in ("model", "perceiver_layers"):
        sys.modules.pop(m, None)
    sys.path.insert(0, d)
    mod = importlib.import_module("model")
    assert isinstance(mod.INPUTS, dict) and isinstance(mod.HEADS, dict), d
    model = mod.build_model()
    out = model(*mod.example_inputs(2))
    assert tuple(out.shape) == (2, 10), (d, tuple(out.shape))
    sys.path.pop(0)
    ok += 1
print("ran", ok)
`;
      const run = spawnSync(PYTHON, ['-c', script, ...dirs], {
        encoding: 'utf8',
        env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
        timeout: 120_000,
      });
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout).toContain(`ran ${dirs.length}`);
    }, 150_000);
  },
);
