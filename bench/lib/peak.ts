/** The backend's own single-precision matmul peak: best GFLOP/s over square 2-D matmuls. */
import * as tf from '@tensorflow/tfjs';

export function matmulPeak(sizes = [256, 512, 1024], reps = 5): number {
  let best = 0;
  for (const n of sizes) {
    const a = tf.randomNormal([n, n]);
    const b = tf.randomNormal([n, n]);
    tf.tidy(() => void tf.matMul(a, b).dataSync()); // warm-up
    const times: number[] = [];
    for (let r = 0; r < reps; r++) {
      const t0 = performance.now();
      const c = tf.matMul(a, b);
      c.dataSync();
      times.push(performance.now() - t0);
      c.dispose();
    }
    times.sort((x, y) => x - y);
    best = Math.max(best, (2 * n ** 3) / (times[Math.floor(times.length / 2)]! * 1e6));
    tf.dispose([a, b]);
  }
  return best;
}
