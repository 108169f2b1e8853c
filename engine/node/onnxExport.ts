/**
 * `export --format onnx`: the PyTorch package (engine/export/pytorch, with export_onnx.py) is
 * written first, then its export_onnx.py runs under the local Python + torch and writes
 * model.onnx (opset 17, dynamic batch axis). Without a Python that imports torch, the package
 * stays written and the caller says what to install.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { INSTALL_TORCH, ONNX_OPSET } from '../export/onnxInfo.js';

export { INSTALL_TORCH, ONNX_OPSET };

export interface PythonWithTorch {
  python: string;
  torch: string;
}

/**
 * $PERCEIVER_PYTHON when set (only it), else the first of python3 on PATH and /usr/bin/python3
 * that imports torch; or the interpreters tried and why each failed.
 */
export function findPythonWithTorch(): PythonWithTorch | { tried: string[] } {
  const chosen = process.env.PERCEIVER_PYTHON;
  const candidates = chosen ? [chosen] : ['python3', '/usr/bin/python3'];
  const tried: string[] = [];
  for (const python of candidates) {
    if (python.includes('/') && !existsSync(python)) {
      tried.push(`${python} (not found)`);
      continue;
    }
    const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (r.status === 0) return { python, torch: r.stdout.trim() };
    tried.push(
      `${python} (${r.error ? ((r.error as NodeJS.ErrnoException).code ?? r.error.message) : (r.stderr || '').trim().split('\n').pop() || `exit ${r.status}`})`,
    );
  }
  return { tried };
}

export interface OnnxResult {
  onnx: string;
  opset: number;
  inputs: string[];
  outputs: string[];
  /** ONNX Runtime vs PyTorch inside export_onnx.py, when Python has onnxruntime; else null. */
  maxAbsDiff: number | null;
}

export class OnnxExportError extends Error {}

/** Run `python export_onnx.py` in an exported PyTorch package folder. */
export function runExportOnnx(
  pkgDir: string,
  python: string,
  opts: { out?: string; opset?: number; timeoutMs?: number } = {},
): OnnxResult {
  const args = [join(pkgDir, 'export_onnx.py'), '--opset', String(opts.opset ?? ONNX_OPSET)];
  if (opts.out) args.push('--out', opts.out);
  const r = spawnSync(python, args, {
    cwd: pkgDir,
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 300_000,
    env: { ...process.env, OMP_NUM_THREADS: process.env.OMP_NUM_THREADS ?? '2' },
    maxBuffer: 16 << 20,
  });
  if (r.status !== 0) {
    const why = r.error ? r.error.message : (r.stderr || r.stdout || '').trim().split('\n').slice(-6).join('\n');
    throw new OnnxExportError(`export_onnx.py failed in ${pkgDir} (${r.status ?? r.signal}):\n${why}`);
  }
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as OnnxResult;
  } catch {
    throw new OnnxExportError(`export_onnx.py in ${pkgDir} printed no result line (got: ${line.slice(0, 200)})`);
  }
}
