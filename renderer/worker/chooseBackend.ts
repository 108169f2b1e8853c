/**
 * Backend choice inside the training worker: WebGL only when it is hardware-accelerated
 * (software WebGL — SwiftShader, llvmpipe — trains ~5× slower than wasm on the same CPU, see
 * shared/tfjs-notes.md), else wasm (threads when cross-origin isolated), else cpu.
 */
import type { BackendInfo } from './protocol';

const SOFTWARE_GL = /swiftshader|llvmpipe|softpipe|software|basic render|mesa offscreen/i;

/** The unmasked WebGL2 renderer string from an OffscreenCanvas, or why there is none. */
export function probeWebGl(): { renderer: string } | { missing: string } {
  if (typeof OffscreenCanvas === 'undefined') return { missing: 'OffscreenCanvas is not available in this worker' };
  let gl: WebGL2RenderingContext | null;
  try {
    gl = new OffscreenCanvas(1, 1).getContext('webgl2');
  } catch (err) {
    return { missing: `WebGL2 failed to start (${(err as Error).message})` };
  }
  if (!gl) return { missing: 'WebGL2 is not available' };
  const ext = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? '');
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return { renderer };
}

/** Decide before initialising anything, so the reason can be shown even when a backend fails. */
export function planBackends(probe: ReturnType<typeof probeWebGl>, forced?: BackendInfo['name']): BackendInfo[] {
  const plan: BackendInfo[] = [];
  if (forced) return [{ name: forced, reason: `${forced} was requested` }];
  if ('renderer' in probe) {
    if (SOFTWARE_GL.test(probe.renderer)) {
      plan.push({
        name: 'wasm',
        reason: `WebGL is software-rendered (${shortGpu(probe.renderer)}), which trains ~5× slower than wasm on the CPU`,
        gpu: probe.renderer,
      });
    } else {
      plan.push({
        name: 'webgl',
        reason: `hardware-accelerated WebGL (${shortGpu(probe.renderer)})`,
        gpu: probe.renderer,
      });
      plan.push({ name: 'wasm', reason: 'WebGL failed to initialise', gpu: probe.renderer });
    }
  } else {
    plan.push({ name: 'wasm', reason: `${probe.missing}; using WebAssembly on the CPU` });
  }
  plan.push({ name: 'cpu', reason: 'WebAssembly failed to initialise; the plain JavaScript backend is slow' });
  return plan;
}

function shortGpu(s: string): string {
  const m = /ANGLE \([^,]*,\s*([^,(]+)/.exec(s);
  return (m ? m[1]! : s).trim().slice(0, 80);
}
