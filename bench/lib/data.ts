/** Synthetic, learnable data (class k brightens band k) prepared before timing starts. */
import { mulberry32 } from '../../engine/data/random.js';

export interface HostBatch {
  x: Float32Array;
  y: Int32Array;
}

export function syntheticBatches(
  count: number,
  batch: number,
  size: number,
  channels: number,
  classes: number,
  seed = 1,
): HostBatch[] {
  const rand = mulberry32(seed);
  const per = size * size * channels;
  const out: HostBatch[] = [];
  for (let b = 0; b < count; b++) {
    const x = new Float32Array(batch * per);
    const y = new Int32Array(batch);
    for (let i = 0; i < batch; i++) {
      const label = Math.floor(rand() * classes);
      y[i] = label;
      const rowLo = Math.floor((label * size) / classes);
      const rowHi = Math.floor(((label + 1) * size) / classes);
      for (let k = 0; k < per; k++) {
        const row = Math.floor(k / (size * channels));
        x[i * per + k] = rand() * 0.3 + (row >= rowLo && row < rowHi ? 0.7 : 0);
      }
    }
    out.push({ x, y });
  }
  return out;
}
