#!/usr/bin/env node
// Compiles our AssemblyScript kernels (engine/kernels/assembly/, entry index.ts) with the
// `assemblyscript` compiler from node_modules into engine/kernels/build/kernels-<variant>.wasm. Nothing prebuilt is committed:
// `npm run build`, the CLI launcher/bundle step and the vitest global setup call this. It is
// idempotent and quick when nothing changed: a stamp records a hash of the sources, the flags
// and the compiler version, and the compile is skipped when the stamp and every output match.
//
// Variants per kernel source: plain SIMD and relaxed SIMD (chosen at run time with
// WebAssembly.validate), each for an unshared and a shared (threaded tfjs build) memory.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = join(root, 'engine/kernels/assembly');
export const kernelsOutDir = join(root, 'engine/kernels/build');

const common = ['-O3', '--runtime', 'stub', '--importMemory', '--noAssert', '--use', 'abort=', '--enable', 'simd'];
const variants = {
  simd: [],
  relaxed: ['--enable', 'relaxed-simd'],
  'simd-shared': ['--enable', 'threads', '--sharedMemory', '--maximumMemory', '65536'],
  'relaxed-shared': ['--enable', 'relaxed-simd', '--enable', 'threads', '--sharedMemory', '--maximumMemory', '65536'],
};

/** Build every kernel variant unless the stamp says they are up to date. Returns the output dir. */
export async function buildKernels({ quiet = false } = {}) {
  const sources = readdirSync(srcDir)
    .filter((f) => f.endsWith('.ts'))
    .sort();
  const ascPkg = JSON.parse(readFileSync(join(root, 'node_modules/assemblyscript/package.json'), 'utf8'));
  const hash = createHash('sha256');
  hash.update(`asc ${ascPkg.version}\n${JSON.stringify({ common, variants })}\n`);
  for (const s of sources) hash.update(`${s}\n`).update(readFileSync(join(srcDir, s)));
  const digest = hash.digest('hex');
  const entries = ['index.ts'];
  const outputs = Object.keys(variants).map((v) => `kernels-${v}.wasm`);
  const stampFile = join(kernelsOutDir, 'stamp.json');
  if (existsSync(stampFile) && outputs.every((o) => existsSync(join(kernelsOutDir, o)))) {
    try {
      if (JSON.parse(readFileSync(stampFile, 'utf8')).digest === digest) return kernelsOutDir;
    } catch {
      /* rebuild */
    }
  }
  const { default: asc } = await import('assemblyscript/asc');
  mkdirSync(kernelsOutDir, { recursive: true });
  const t0 = Date.now();
  for (const s of entries) {
    for (const [v, flags] of Object.entries(variants)) {
      const name = `kernels-${v}.wasm`;
      let bytes = null;
      let log = '';
      const { error } = await asc.main([join(srcDir, s), ...common, ...flags, '--outFile', name], {
        stdout: { write: (t) => (log += t) },
        stderr: { write: (t) => (log += t) },
        readFile: (f, base) => {
          const p = join(base, f);
          return existsSync(p) ? readFileSync(p, 'utf8') : null;
        },
        writeFile: (f, contents) => {
          if (f === name) bytes = contents;
        },
        listFiles: () => [],
      });
      if (error || !bytes)
        throw new Error(`build-kernels: compiling ${s} (${v}) failed: ${error?.message ?? 'no output'}\n${log}`);
      // Our kernels must not bring data segments: they share tfjs' memory and would overwrite it.
      // (Parsed by hand: this Node may not compile relaxed SIMD without a flag.)
      const { imports, dataSegments } = inspectWasm(bytes);
      if (imports.length !== 1 || imports[0] !== 'env.memory:memory')
        throw new Error(`build-kernels: ${name} must import only env.memory, got ${imports.join(', ')}`);
      if (dataSegments > 0)
        throw new Error(`build-kernels: ${name} has data segments; kernels must not write static data into tfjs' heap`);
      const tmp = join(kernelsOutDir, `${name}.tmp`);
      writeFileSync(tmp, bytes);
      renameSync(tmp, join(kernelsOutDir, name));
    }
  }
  writeFileSync(stampFile, JSON.stringify({ digest, outputs }, null, 1));
  if (!quiet) console.log(`build-kernels: ${outputs.length} modules in ${Date.now() - t0} ms → ${kernelsOutDir}`);
  return kernelsOutDir;
}

/** The imports ("module.field:kind") and the number of data segments of a wasm binary. */
function inspectWasm(bytes) {
  let p = 8;
  const leb = () => {
    let r = 0;
    let s = 0;
    for (;;) {
      const b = bytes[p++];
      r |= (b & 0x7f) << s;
      if (!(b & 0x80)) return r >>> 0;
      s += 7;
    }
  };
  const str = () => {
    const n = leb();
    const t = Buffer.from(bytes.subarray(p, p + n)).toString('utf8');
    p += n;
    return t;
  };
  const imports = [];
  let dataSegments = 0;
  while (p < bytes.length) {
    const id = bytes[p++];
    const size = leb();
    const end = p + size;
    if (id === 2) {
      const count = leb();
      for (let k = 0; k < count; k++) {
        const mod = str();
        const field = str();
        const kind = bytes[p++];
        imports.push(`${mod}.${field}:${['func', 'table', 'memory', 'global', 'tag'][kind] ?? kind}`);
        if (kind !== 2) break; // only memories are expected; the rest is not decoded
        const flags = bytes[p++];
        leb();
        if (flags & 1) leb();
      }
    } else if (id === 11) dataSegments = leb();
    p = end;
  }
  return { imports, dataSegments };
}

if (import.meta.url === `file://${process.argv[1]}`) await buildKernels();
