/** Save a chart or map as PNG, or the run table as CSV, through a plain browser download. */
import { notify } from '../state/store';

function save(blob: Blob, fileName: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = fileName;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

/** A file name from free text: "MNIST Perceiver IO [latents=16]" → "mnist-perceiver-io-latents-16". */
export function fileStem(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 80) || 'perceiver'
  );
}

/**
 * PNG of a canvas. With `background` the transparent parts are filled first (uPlot and the
 * maps draw on transparent canvases; a viewer would show them on white).
 */
export function downloadCanvasPng(canvas: HTMLCanvasElement, fileName: string, background = '#181d27'): void {
  const out = document.createElement('canvas');
  out.width = canvas.width;
  out.height = canvas.height;
  const ctx = out.getContext('2d')!;
  ctx.fillStyle = background;
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.drawImage(canvas, 0, 0);
  out.toBlob((blob) => {
    if (!blob) return notify('error', `Could not make a PNG of ${fileName} (the canvas is empty or too large)`);
    save(blob, fileName.endsWith('.png') ? fileName : `${fileName}.png`);
  }, 'image/png');
}

/** The first canvas inside an element (uPlot draws into one canvas per chart). */
export function downloadElementPng(el: HTMLElement | null, fileName: string): void {
  const canvas = el?.querySelector('canvas');
  if (!canvas) return notify('error', 'Nothing to export yet: the chart has not been drawn');
  downloadCanvasPng(canvas, fileName);
}

export function downloadText(text: string, fileName: string, type = 'text/csv'): void {
  save(new Blob([text], { type: `${type};charset=utf-8` }), fileName);
}
