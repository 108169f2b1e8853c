import { useEffect, useRef } from 'react';

/**
 * One example drawn from its values ([H, W, C], any range: normalised data is stretched to the
 * example's own min…max so it stays visible). Grey for 1 channel, RGB for 3 or more.
 */
export function SampleImage({
  x,
  shape,
  size = 56,
  title,
}: {
  x: Float32Array;
  shape: number[];
  size?: number;
  title?: string;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  const [h, w, c] = shape.length === 3 ? shape : shape.length === 2 ? [shape[0]!, shape[1]!, 1] : [1, x.length, 1];
  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of x) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const scale = hi > lo ? 255 / (hi - lo) : 0;
    const img = ctx.createImageData(w!, h!);
    for (let p = 0; p < h! * w!; p++) {
      for (let k = 0; k < 3; k++) {
        const v = x[p * c! + (c! >= 3 ? k : 0)]!;
        img.data[p * 4 + k] = Math.round((v - lo) * scale);
      }
      img.data[p * 4 + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
  }, [x, h, w, c]);
  return (
    <canvas
      ref={ref}
      width={w}
      height={h}
      className="sample-image"
      style={{ width: size, height: size }}
      title={title}
      role="img"
      aria-label={title ?? 'example image'}
    />
  );
}

/** Examples per class as horizontal bars (the class balance). */
export function ClassBalance({ names, counts, sampled }: { names: string[]; counts: number[]; sampled: boolean }) {
  const max = Math.max(1, ...counts);
  const total = counts.reduce((a, b) => a + b, 0);
  return (
    <div className="class-balance" aria-label="Class balance" role="list">
      {names.map((n, i) => (
        <div
          className="balance-row"
          role="listitem"
          key={n + i}
          title={`${n}: ${counts[i]} (${total ? ((100 * counts[i]!) / total).toFixed(1) : 0}%)`}
        >
          <span className="balance-name">{n}</span>
          <span className="balance-bar">
            <span style={{ width: `${(100 * (counts[i] ?? 0)) / max}%` }} />
          </span>
          <span className="balance-count">{counts[i]}</span>
        </div>
      ))}
      <div className="muted small">
        {sampled ? 'from a sample of the training split' : `training split, ${total} examples`}
      </div>
    </div>
  );
}
