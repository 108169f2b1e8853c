import { describe, expect, it } from 'vitest';
import { planBackends } from './chooseBackend';

describe('training backend choice', () => {
  it('skips software WebGL (SwiftShader, llvmpipe) for wasm and says why', () => {
    for (const gpu of [
      'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)',
      'llvmpipe (LLVM 15.0.6, 256 bits)',
    ]) {
      const plan = planBackends({ renderer: gpu });
      expect(plan.map((p) => p.name)).toEqual(['wasm', 'cpu']);
      expect(plan[0]!.reason).toMatch(/software-rendered/);
    }
  });
  it('uses hardware WebGL first, wasm then cpu as fallbacks', () => {
    const plan = planBackends({ renderer: 'ANGLE (NVIDIA, NVIDIA GeForce RTX 3080 Direct3D11 vs_5_0 ps_5_0, D3D11)' });
    expect(plan.map((p) => p.name)).toEqual(['webgl', 'wasm', 'cpu']);
    expect(plan[0]!.reason).toContain('NVIDIA GeForce RTX 3080');
  });
  it('falls back to wasm when WebGL is missing, naming the reason', () => {
    const plan = planBackends({ missing: 'WebGL2 is not available' });
    expect(plan[0]).toMatchObject({ name: 'wasm', reason: expect.stringContaining('WebGL2 is not available') });
  });
  it('honours a forced backend', () => {
    expect(planBackends({ renderer: 'x' }, 'cpu')).toEqual([{ name: 'cpu', reason: 'cpu was requested' }]);
  });
});
