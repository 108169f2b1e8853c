/**
 * Decoded 8-bit images → float inputs of the input node's H×W×C: channel conversion and
 * antialiased resampling (a triangle filter widened by the shrink factor, as PIL does), so a
 * large photo shrunk to 28×28 averages its pixels instead of sampling a few of them.
 */

export interface DecodedImage {
  width: number;
  height: number;
  /** Interleaved channels: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA. */
  channels: number;
  data: Uint8Array;
}

interface Contribution {
  start: number;
  weights: Float32Array;
}

function contributions(src: number, dst: number): Contribution[] {
  const scale = src / dst;
  const support = Math.max(1, scale);
  const out: Contribution[] = [];
  for (let i = 0; i < dst; i++) {
    const center = (i + 0.5) * scale;
    const start = Math.max(0, Math.floor(center - support));
    const end = Math.min(src, Math.ceil(center + support));
    const w = new Float32Array(end - start);
    let sum = 0;
    for (let j = start; j < end; j++) {
      const v = Math.max(0, 1 - Math.abs((j + 0.5 - center) / support));
      w[j - start] = v;
      sum += v;
    }
    if (sum === 0) {
      // Degenerate footprint (tiny source): take the nearest pixel.
      const k = Math.min(src - 1, Math.max(0, Math.floor(center)));
      out.push({ start: k, weights: new Float32Array([1]) });
      continue;
    }
    for (let k = 0; k < w.length; k++) w[k]! /= sum;
    out.push({ start, weights: w });
  }
  return out;
}

/** Convert to `channels` (1 or 3 from any of 1–4; alpha dropped) as floats 0…1. */
function toChannels(img: DecodedImage, channels: number): Float32Array {
  const n = img.width * img.height;
  const out = new Float32Array(n * channels);
  const c = img.channels;
  for (let p = 0; p < n; p++) {
    const s = p * c;
    const r = img.data[s]!;
    const g = c >= 3 ? img.data[s + 1]! : r;
    const b = c >= 3 ? img.data[s + 2]! : r;
    if (channels === 1) out[p] = (0.299 * r + 0.587 * g + 0.114 * b) / 255;
    else if (channels === 3) {
      out[p * 3] = r / 255;
      out[p * 3 + 1] = g / 255;
      out[p * 3 + 2] = b / 255;
    } else {
      for (let k = 0; k < channels; k++) out[p * channels + k] = (k < c ? img.data[s + k]! : k === 3 ? 255 : r) / 255;
    }
  }
  return out;
}

/** [height·width·channels] floats in 0…1, channels-last. */
export function imageToInput(img: DecodedImage, height: number, width: number, channels: number): Float32Array {
  const src = toChannels(img, channels);
  if (img.width === width && img.height === height) return src;
  const cx = contributions(img.width, width);
  const cy = contributions(img.height, height);
  // Horizontal pass into [img.height, width, C], then vertical into [height, width, C].
  const tmp = new Float32Array(img.height * width * channels);
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < width; x++) {
      const { start, weights } = cx[x]!;
      for (let k = 0; k < channels; k++) {
        let acc = 0;
        for (let j = 0; j < weights.length; j++) acc += weights[j]! * src[(y * img.width + start + j) * channels + k]!;
        tmp[(y * width + x) * channels + k] = acc;
      }
    }
  }
  const out = new Float32Array(height * width * channels);
  for (let y = 0; y < height; y++) {
    const { start, weights } = cy[y]!;
    for (let x = 0; x < width; x++) {
      for (let k = 0; k < channels; k++) {
        let acc = 0;
        for (let j = 0; j < weights.length; j++) acc += weights[j]! * tmp[((start + j) * width + x) * channels + k]!;
        out[(y * width + x) * channels + k] = acc;
      }
    }
  }
  return out;
}
