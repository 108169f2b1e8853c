import { forwardRef, useEffect, useImperativeHandle, useRef } from 'react';
import { drawAttention, drawMatrix, type CellGrid } from './heatmap';

export interface MapCanvasProps {
  example: { x: Float32Array; shape: number[] } | null;
  cells: CellGrid;
  /** The value drawn brightest. */
  scale: number;
  width: number;
  height: number;
  label: string;
  className?: string;
  testId?: string;
  data?: Record<string, string | number>;
  onClick?: () => void;
}

/** One attention map over its example (or as a strip for sequences). */
export const MapCanvas = forwardRef<HTMLCanvasElement, MapCanvasProps>(function MapCanvas(
  { example, cells, scale, width, height, label, className, testId, data, onClick },
  ref,
) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useImperativeHandle(ref, () => canvas.current!, []);
  useEffect(() => {
    if (canvas.current) drawAttention(canvas.current, example, cells, scale);
  }, [example, cells, scale, width, height]);
  const dataAttrs = Object.fromEntries(Object.entries(data ?? {}).map(([k, v]) => [`data-${k}`, String(v)]));
  return (
    <canvas
      ref={canvas}
      width={width}
      height={height}
      className={className}
      role="img"
      aria-label={label}
      title={label}
      data-testid={testId}
      {...dataAttrs}
      onClick={onClick}
      style={onClick ? { cursor: 'pointer' } : undefined}
    />
  );
});

/** A matrix heat map (decoder queries × latents, latent similarity, entropy over epochs). */
export const MatrixCanvas = forwardRef<
  HTMLCanvasElement,
  {
    values: ArrayLike<number>;
    rows: number;
    cols: number;
    width: number;
    height: number;
    lo?: number;
    hi?: number;
    label: string;
    testId?: string;
    onCell?: (row: number, col: number) => void;
  }
>(function MatrixCanvas({ values, rows, cols, width, height, lo, hi, label, testId, onCell }, ref) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useImperativeHandle(ref, () => canvas.current!, []);
  useEffect(() => {
    if (canvas.current && rows > 0 && cols > 0) drawMatrix(canvas.current, values, rows, cols, lo, hi);
  }, [values, rows, cols, width, height, lo, hi]);
  return (
    <canvas
      ref={canvas}
      width={width}
      height={height}
      role="img"
      aria-label={label}
      title={label}
      data-testid={testId}
      style={onCell ? { cursor: 'pointer' } : undefined}
      onClick={
        onCell
          ? (e) => {
              const r = e.currentTarget.getBoundingClientRect();
              const col = Math.min(cols - 1, Math.floor(((e.clientX - r.left) / r.width) * cols));
              const row = Math.min(rows - 1, Math.floor(((e.clientY - r.top) / r.height) * rows));
              onCell(row, col);
            }
          : undefined
      }
    />
  );
});
