/**
 * A drawing pad for image inputs: a canvas of the input's size times a whole zoom (28×28 → 280×280),
 * brush and eraser with round strokes, clear. White ink on black by default (the MNIST digits'
 * convention); black on white for photo-like data. After every stroke segment it hands its RGBA
 * pixels to `onChange` (the panel throttles the predictions); the worker resizes them to the
 * input exactly as a training image is resized.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { PadGeometry } from './tryLogic';

export interface PadPixels {
  width: number;
  height: number;
  rgba: Uint8ClampedArray;
}

type Tool = 'brush' | 'eraser';

export function DrawingPad({
  geometry,
  inputLabel,
  onChange,
  onClear,
}: {
  geometry: PadGeometry;
  inputLabel: string;
  onChange: (p: PadPixels) => void;
  onClear: () => void;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const last = useRef<{ x: number; y: number } | null>(null);
  const [tool, setTool] = useState<Tool>('brush');
  const [radius, setRadius] = useState(geometry.brush);
  const [inkWhite, setInkWhite] = useState(true);
  const ink = inkWhite ? '#ffffff' : '#000000';
  const paper = inkWhite ? '#000000' : '#ffffff';

  const clear = useCallback(() => {
    const c = canvas.current;
    if (!c) return;
    const ctx = c.getContext('2d', { willReadFrequently: true })!;
    ctx.fillStyle = paper;
    ctx.fillRect(0, 0, c.width, c.height);
  }, [paper]);

  useEffect(() => {
    clear();
    setRadius(geometry.brush);
  }, [geometry.width, geometry.height, geometry.brush, clear]);

  const emit = () => {
    const c = canvas.current;
    if (!c) return;
    const data = c.getContext('2d', { willReadFrequently: true })!.getImageData(0, 0, c.width, c.height).data;
    onChange({ width: c.width, height: c.height, rgba: new Uint8ClampedArray(data) });
  };

  const at = (ev: React.PointerEvent<HTMLCanvasElement>) => {
    const r = ev.currentTarget.getBoundingClientRect();
    return {
      x: ((ev.clientX - r.left) / r.width) * geometry.width,
      y: ((ev.clientY - r.top) / r.height) * geometry.height,
    };
  };

  const stroke = (from: { x: number; y: number }, to: { x: number; y: number }) => {
    const ctx = canvas.current!.getContext('2d', { willReadFrequently: true })!;
    ctx.strokeStyle = ctx.fillStyle = tool === 'brush' ? ink : paper;
    ctx.lineWidth = 2 * radius;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(from.x, from.y);
    ctx.lineTo(to.x, to.y);
    ctx.stroke();
    ctx.beginPath();
    ctx.arc(to.x, to.y, radius, 0, Math.PI * 2);
    ctx.fill();
  };

  return (
    <div className="try-pad">
      <canvas
        ref={canvas}
        width={geometry.width}
        height={geometry.height}
        className={`pad-canvas ${tool}`}
        style={{ width: geometry.width, height: geometry.height }}
        role="img"
        aria-label={`Drawing pad (${inputLabel}, ×${geometry.zoom})`}
        data-testid="try-pad"
        onPointerDown={(ev) => {
          if (ev.button !== 0) return;
          ev.currentTarget.setPointerCapture(ev.pointerId);
          const p = at(ev);
          last.current = p;
          stroke(p, p);
          emit();
        }}
        onPointerMove={(ev) => {
          if (!last.current) return;
          const p = at(ev);
          stroke(last.current, p);
          last.current = p;
          emit();
        }}
        onPointerUp={() => {
          if (last.current) emit();
          last.current = null;
        }}
        onPointerCancel={() => (last.current = null)}
      />
      <div className="pad-tools" role="toolbar" aria-label="Drawing tools">
        <button
          type="button"
          className={`btn${tool === 'brush' ? ' active' : ''}`}
          aria-pressed={tool === 'brush'}
          onClick={() => setTool('brush')}
        >
          Brush
        </button>
        <button
          type="button"
          className={`btn${tool === 'eraser' ? ' active' : ''}`}
          aria-pressed={tool === 'eraser'}
          onClick={() => setTool('eraser')}
        >
          Eraser
        </button>
        <button
          type="button"
          className="btn"
          onClick={() => {
            clear();
            onClear();
          }}
        >
          Clear
        </button>
        <label className="small">
          Size
          <input
            type="range"
            aria-label="Brush size"
            min={1}
            max={Math.max(4, geometry.zoom * 4)}
            value={radius}
            onChange={(ev) => setRadius(Number(ev.target.value))}
          />
        </label>
        <label className="small pad-ink" title="White ink on black, as the MNIST digits are; untick for black on white">
          <input
            type="checkbox"
            checked={inkWhite}
            onChange={(ev) => {
              setInkWhite(ev.target.checked);
              onClear();
            }}
          />
          white on black
        </label>
      </div>
    </div>
  );
}
