/**
 * The import rules of docs/ARCHITECTURE.md §2, enforced by reading every source file's imports
 * (VS Code fails its build the same way).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, dir))) {
    const p = join(dir, name);
    if (name === 'node_modules' || name.startsWith('.')) continue;
    if (statSync(join(root, p)).isDirectory()) out.push(...files(p));
    else if (/\.(ts|tsx)$/.test(name) && !/\.test\.tsx?$/.test(name)) out.push(p);
  }
  return out;
}

/** Source text without template literals (generated READMEs and pages quote import lines). */
function codeOf(file: string): string {
  return readFileSync(join(root, file), 'utf8').replace(/`(?:\\[\s\S]|[^`\\])*`/g, '``');
}

function importsOf(file: string): string[] {
  const src = codeOf(file);
  const re =
    /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm;
  const out: string[] = [];
  for (let m; (m = re.exec(src));) out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
}

/** Resolve a relative import to a repo path; bare specifiers stay as they are. */
function target(file: string, spec: string): string {
  if (!spec.startsWith('.')) return spec;
  return relative(root, join(root, file, '..', spec));
}

interface Rule {
  folder: RegExp;
  forbidden: { test: (t: string) => boolean; why: string }[];
}

const isNode = (t: string) =>
  t.startsWith('node:') || ['fs', 'path', 'os', 'child_process', 'http', 'crypto'].includes(t);
const isReact = (t: string) => t === 'react' || t.startsWith('react-dom') || t.startsWith('@xyflow/');
const isElectron = (t: string) => t === 'electron' || t.startsWith('electron/');
const isTf = (t: string) => t.startsWith('@tensorflow/');

const rules: Rule[] = [
  {
    folder: /^engine\/(graph|kinds)\//,
    forbidden: [
      { test: isTf, why: 'graph and kinds are pure: no tfjs' },
      { test: isReact, why: 'no React in the engine' },
      { test: isNode, why: 'no Node APIs outside engine/node and engine/cli' },
      { test: isElectron, why: 'no Electron in the engine' },
      {
        test: (t) => /^engine\/(layers|compile|train|data|export|node|cli)\b/.test(t),
        why: 'graph/kinds may not depend on the tfjs layers',
      },
    ],
  },
  {
    folder: /^engine\/(layers|compile|train|data|export|insight)\//,
    forbidden: [
      { test: isReact, why: 'no React in the engine' },
      { test: isNode, why: 'no Node APIs outside engine/node and engine/cli' },
      { test: isElectron, why: 'no Electron in the engine' },
      { test: (t) => /^engine\/(node|cli)\b/.test(t), why: 'only Node adapters may import engine/node' },
    ],
  },
  {
    folder: /^engine\/(node|cli)\//,
    forbidden: [
      { test: isReact, why: 'no React in Node adapters' },
      { test: isElectron, why: 'no Electron in Node adapters' },
    ],
  },
  {
    folder: /^renderer\//,
    forbidden: [
      { test: isNode, why: 'the renderer runs sandboxed: no Node APIs' },
      {
        test: (t) => isElectron(t) && t !== 'electron/ipc-contract',
        why: 'the renderer reaches the host only through window.perceiver',
      },
      { test: (t) => /^engine\/(node|cli)\b/.test(t), why: 'the renderer may not import the Node adapters' },
      {
        test: (t) => /^electron\//.test(t) && t !== 'electron/ipc-contract',
        why: 'the renderer may import only the IPC contract from electron/',
      },
    ],
  },
  {
    folder: /^electron\//,
    forbidden: [
      { test: isReact, why: 'no React in the main process' },
      { test: (t) => /^renderer\//.test(t), why: 'main may not import the renderer' },
    ],
  },
];

describe('layering (docs/ARCHITECTURE.md §2)', () => {
  const all = [...files('engine'), ...files('renderer'), ...files('electron')];
  it('finds the source files', () => {
    expect(all.length).toBeGreaterThan(10);
  });
  for (const rule of rules) {
    it(`respects the import rules of ${rule.folder.source}`, () => {
      const violations: string[] = [];
      for (const f of all.filter((x) => rule.folder.test(x))) {
        for (const spec of importsOf(f)) {
          const t = target(f, spec).replace(/\.(js|ts|tsx)$/, '');
          for (const r of rule.forbidden) if (r.test(t)) violations.push(`${f} imports ${spec}: ${r.why}`);
        }
      }
      expect(violations).toEqual([]);
    });
  }
});

/** Resolve a relative import of `file` to the source file it names (.ts/.tsx, or index.ts). */
function sourceOf(file: string, spec: string): string | undefined {
  const base = target(file, spec.replace(/\?.*$/, '')).replace(/\.(js|ts|tsx)$/, '');
  for (const cand of [`${base}.ts`, `${base}.tsx`, join(base, 'index.ts')]) {
    try {
      if (statSync(join(root, cand)).isFile()) return cand;
    } catch {
      /* not this one */
    }
  }
  return undefined;
}

describe('the UI thread stays free of tfjs', () => {
  // The worker (renderer/train.worker.ts and what it imports, reached through `?worker`) owns
  // tfjs; every other renderer file runs on the UI thread and must not reach tfjs through any
  // chain of static imports (a type-only import is erased and does not count).
  it('no static import chain from renderer/main.tsx reaches @tensorflow', () => {
    const seen = new Map<string, string | null>([['renderer/main.tsx', null]]);
    const queue = ['renderer/main.tsx'];
    const offenders: string[] = [];
    while (queue.length) {
      const f = queue.shift()!;
      const src = codeOf(f);
      const re = /^\s*(?:import|export)\s+(?!type\s)[^'"]*?from\s*['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm;
      for (let m; (m = re.exec(src));) {
        const spec = (m[1] ?? m[2])!;
        if (spec.includes('?worker')) continue;
        if (isTf(spec)) {
          const chain: string[] = [];
          for (let c: string | null | undefined = f; c; c = seen.get(c)) chain.push(c);
          offenders.push(`${chain.reverse().join(' → ')} → ${spec}`);
          continue;
        }
        if (!spec.startsWith('.')) continue;
        const next = sourceOf(f, spec);
        if (next && !seen.has(next)) {
          seen.set(next, f);
          queue.push(next);
        }
      }
    }
    expect(seen.size).toBeGreaterThan(20);
    expect(offenders).toEqual([]);
  });
});
