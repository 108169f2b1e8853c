/**
 * The app's ONNX export, host side: the renderer's worker builds the PyTorch package (with
 * export_onnx.py and the trained weights), the host writes it (exports.ts) and then runs
 * export_onnx.py there with the local Python + torch to add model.onnx. Asynchronous (Electron's
 * main process and the web host keep serving meanwhile); never throws: without Python/torch it
 * says what to install, and the package stays.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { INSTALL_TORCH, ONNX_OPSET } from '../../engine/export/onnxInfo.js';

function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; timeoutMs: number },
): Promise<{ status: number | null; stdout: string; stderr: string; error?: Error }> {
  return new Promise((done) => {
    execFile(
      cmd,
      args,
      {
        cwd: opts.cwd,
        timeout: opts.timeoutMs,
        maxBuffer: 16 << 20,
        env: { ...process.env, OMP_NUM_THREADS: process.env.OMP_NUM_THREADS ?? '2' },
      },
      (err, stdout, stderr) => {
        const status = err
          ? typeof (err as { code?: unknown }).code === 'number'
            ? (err as { code: number }).code
            : null
          : 0;
        done({
          status,
          stdout: String(stdout),
          stderr: String(stderr),
          error: err && status === null ? err : undefined,
        });
      },
    );
  });
}

/**
 * For a host (Electron main, the web host) that must not block: model.onnx in an export folder
 * already written, or why not (what to install). Never throws.
 */
export async function makeOnnxInFolder(
  pkgDir: string,
  opts: { opset?: number; timeoutMs?: number } = {},
): Promise<{ written: boolean; file?: string; message: string }> {
  if (!existsSync(join(pkgDir, 'export_onnx.py')))
    return {
      written: false,
      message: `model.onnx was not written: the package has no export_onnx.py (export it again with this version of Perceiver Studio)`,
    };
  const chosen = process.env.PERCEIVER_PYTHON;
  const tried: string[] = [];
  let python: string | undefined;
  for (const c of chosen ? [chosen] : ['python3', '/usr/bin/python3']) {
    const r = await run(c, ['-c', 'import torch'], { timeoutMs: 60_000 });
    if (r.status === 0) {
      python = c;
      break;
    }
    tried.push(
      `${c} (${r.error ? ((r.error as NodeJS.ErrnoException).code ?? r.error.message) : r.stderr.trim().split('\n').pop() || `exit ${r.status}`})`,
    );
  }
  if (!python)
    return {
      written: false,
      message: `model.onnx was not written: no Python with torch on this computer (tried ${tried.join('; ')}). To make it, ${INSTALL_TORCH}, then run python3 export_onnx.py in the exported folder.`,
    };
  const r = await run(python, [join(pkgDir, 'export_onnx.py'), '--opset', String(opts.opset ?? ONNX_OPSET)], {
    cwd: pkgDir,
    timeoutMs: opts.timeoutMs ?? 300_000,
  });
  if (r.status !== 0)
    return {
      written: false,
      message: `export_onnx.py failed (${r.status ?? 'timeout'}): ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ')}`,
    };
  try {
    const res = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as {
      onnx: string;
      opset: number;
      inputs: string[];
      outputs: string[];
    };
    return {
      written: true,
      file: res.onnx,
      message: `model.onnx written (opset ${res.opset}, dynamic batch; inputs ${res.inputs.join(', ')}; outputs ${res.outputs.join(', ')}) with ${python}`,
    };
  } catch {
    return { written: false, message: `export_onnx.py printed no result line: ${r.stdout.slice(0, 200)}` };
  }
}
