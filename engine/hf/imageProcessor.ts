/**
 * HF PerceiverImageProcessor (default settings, as shipped with the vision checkpoints) and the
 * optical-flow model's 3×3 patch extraction. Browser-safe, plain arrays.
 *
 * Image: centre crop to a square of side (size/crop_size)·min(H, W) = (224/256)·min(H, W) →
 * PIL bicubic resize of the uint8 image to the model's input side (224 for the released
 * checkpoints; PIL's separable fixed-point filter: horizontal pass, then vertical, each rounded
 * and clipped to uint8) → ×1/255 → (x − mean)/std with the ImageNet mean/std → channels first
 * [1, 3, S, S]. float32 arithmetic where HF uses float32. The crop fraction is the processor's
 * (its `size` over its `crop_size`); the resize target is the model's input, which differs from
 * the processor's `size` for a model built with another image_size (the 8×8 test fixtures).
 */

export interface HwcImage {
  /** [H, W, C] */
  shape: number[];
  data: Uint8Array | Float32Array | ArrayLike<number>;
}
export interface FloatArray {
  shape: number[];
  data: Float32Array;
}

export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

export interface PerceiverImageProcessorOptions {
  /** The processor's crop_size (default 256): with `size` it sets the crop fraction size/cropSize. */
  cropSize?: number;
  /** The processor's size (default 224): the resize target unless `outputSize` is given. */
  size?: number;
  /** The side to resize to: the model's input (height, width) when it differs from the processor's `size`. */
  outputSize?: number | readonly [number, number];
  mean?: readonly number[];
  std?: readonly number[];
  rescaleFactor?: number;
}

function checkImage(img: HwcImage): [number, number, number] {
  if (img.shape.length !== 3) throw new Error(`an image must be [H, W, C] (got [${img.shape.join(', ')}])`);
  const [h, w, c] = img.shape as [number, number, number];
  if (h < 1 || w < 1 || c < 1 || img.data.length !== h * w * c)
    throw new Error(`image data (${img.data.length} values) does not fill [${h}, ${w}, ${c}]`);
  return [h, w, c];
}

/** HF center_crop of PerceiverImageProcessor: side (size/crop_size)·min(H, W), offsets ⌊(H − side)/2⌋. */
export function perceiverCenterCrop(
  img: HwcImage,
  opts: { cropSize?: number; size?: number } = {},
): { shape: number[]; data: Uint8Array } {
  const [h, w, c] = checkImage(img);
  const minDim = Math.min(h, w);
  const side = ((opts.size ?? 224) / (opts.cropSize ?? 256)) * minDim;
  const top = Math.floor((h - side) / 2);
  const left = Math.floor((w - side) / 2);
  const y0 = Math.max(0, Math.trunc(top));
  const x0 = Math.max(0, Math.trunc(left));
  const y1 = Math.min(h, Math.trunc(top + side));
  const x1 = Math.min(w, Math.trunc(left + side));
  const oh = y1 - y0;
  const ow = x1 - x0;
  if (oh < 1 || ow < 1)
    throw new Error(
      `the image (${w}×${h}) is too small for the image processor's centre crop (${side.toFixed(2)} px a side); give an image at least 2 px on its short side`,
    );
  const out = new Uint8Array(oh * ow * c);
  for (let y = 0; y < oh; y++)
    for (let x = 0; x < ow; x++)
      for (let k = 0; k < c; k++) out[(y * ow + x) * c + k] = Number(img.data[((y + y0) * w + x + x0) * c + k]);
  return { shape: [oh, ow, c], data: out };
}

// PIL's 8-bit resampling (libImaging/Resample.c), bicubic a = −0.5, support 2.
const PRECISION_BITS = 32 - 8 - 2;
function bicubic(x: number): number {
  const a = -0.5;
  x = Math.abs(x);
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}
function coefficients(inSize: number, outSize: number): { bounds: Int32Array; kk: Int32Array[] } {
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1);
  const support = 2 * filterscale;
  const bounds = new Int32Array(outSize * 2);
  const kk: Int32Array[] = [];
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const ss = 1 / filterscale;
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    const k = new Float64Array(xmax);
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      k[x] = bicubic((x + xmin - center + 0.5) * ss);
      ww += k[x]!;
    }
    const ik = new Int32Array(xmax);
    for (let x = 0; x < xmax; x++) {
      const v = ww !== 0 ? k[x]! / ww : k[x]!;
      ik[x] = v < 0 ? Math.trunc(-0.5 + v * (1 << PRECISION_BITS)) : Math.trunc(0.5 + v * (1 << PRECISION_BITS));
    }
    bounds[2 * xx] = xmin;
    bounds[2 * xx + 1] = xmax;
    kk.push(ik);
  }
  return { bounds, kk };
}
function clip8(v: number): number {
  if (v >= 2 ** (PRECISION_BITS + 8)) return 255;
  if (v <= 0) return 0;
  return Math.floor(v / 2 ** PRECISION_BITS);
}

/** PIL Image.resize(..., BICUBIC) of a uint8 [H, W, C] image, bit-exact with PIL's 8-bit path. */
export function pilBicubicResize(img: HwcImage, outH: number, outW: number): { shape: number[]; data: Uint8Array } {
  const [h, w, c] = checkImage(img);
  const src = Uint8Array.from(img.data as ArrayLike<number>);
  const half = 1 << (PRECISION_BITS - 1);
  // Horizontal pass (PIL does it first when both are needed).
  let cur = src;
  let cw = w;
  if (outW !== w) {
    const { bounds, kk } = coefficients(w, outW);
    const tmp = new Uint8Array(h * outW * c);
    for (let y = 0; y < h; y++) {
      for (let xx = 0; xx < outW; xx++) {
        const xmin = bounds[2 * xx]!;
        const k = kk[xx]!;
        for (let ch = 0; ch < c; ch++) {
          let ss = half;
          for (let x = 0; x < k.length; x++) ss += src[(y * w + x + xmin) * c + ch]! * k[x]!;
          tmp[(y * outW + xx) * c + ch] = clip8(ss);
        }
      }
    }
    cur = tmp;
    cw = outW;
  }
  if (outH === h) return { shape: [h, cw, c], data: cur };
  const { bounds, kk } = coefficients(h, outH);
  const out = new Uint8Array(outH * cw * c);
  for (let yy = 0; yy < outH; yy++) {
    const ymin = bounds[2 * yy]!;
    const k = kk[yy]!;
    for (let x = 0; x < cw; x++) {
      for (let ch = 0; ch < c; ch++) {
        let ss = half;
        for (let y = 0; y < k.length; y++) ss += cur[((y + ymin) * cw + x) * c + ch]! * k[y]!;
        out[(yy * cw + x) * c + ch] = clip8(ss);
      }
    }
  }
  return { shape: [outH, cw, c], data: out };
}

/** The whole PerceiverImageProcessor: uint8 RGB [H, W, 3] → pixel_values float32 [1, 3, OH, OW] ([1, 3, 224, 224] by default). */
export function perceiverImageProcessor(img: HwcImage, opts: PerceiverImageProcessorOptions = {}): FloatArray {
  const [, , c] = checkImage(img);
  if (c !== 3) throw new Error(`the Perceiver image processor takes RGB images (3 channels), got ${c}`);
  const size = opts.size ?? 224;
  const cropSize = opts.cropSize ?? 256;
  if (!(size > 0) || !(cropSize > 0))
    throw new Error(`the image processor's size (${size}) and crop_size (${cropSize}) must be positive`);
  const o = opts.outputSize ?? size;
  const [oh, ow] = typeof o === 'number' ? [o, o] : o;
  if (!Number.isInteger(oh) || !Number.isInteger(ow) || oh < 1 || ow < 1)
    throw new Error(`the image processor's output size must be whole pixels ≥ 1 (got ${oh}×${ow})`);
  const cropped = perceiverCenterCrop(img, { cropSize, size });
  const resized = pilBicubicResize(cropped, oh, ow);
  const mean = opts.mean ?? IMAGENET_MEAN;
  const std = opts.std ?? IMAGENET_STD;
  const f = Math.fround;
  const scale = opts.rescaleFactor ?? 1 / 255;
  const n = oh * ow;
  const out = new Float32Array(3 * n);
  for (let k = 0; k < 3; k++) {
    const m = f(mean[k]!);
    const s = f(std[k]!);
    for (let i = 0; i < n; i++) {
      // HF: rescale in float64 then to float32; normalise in float32.
      const x = f(resized.data[i * 3 + k]! * scale);
      out[k * n + i] = f(f(x - m) / s);
    }
  }
  return { shape: [1, 3, oh, ow], data: out };
}

/**
 * The optical-flow model's input from two RGB frames [2, H, W, 3] (floats, already scaled as the
 * caller wants, e.g. to [−1, 1] as in the Perceiver flow demo): each pixel gets its 3×3
 * zero-padded neighbourhood, 27 values in (row offset, column offset, channel) order — the order
 * of DM's extract_patches and of the studio's PixelNeighbourhood — as HF's [1, 2, 27, H, W].
 */
export function flowPatches(frames: { shape: number[]; data: ArrayLike<number> }): FloatArray {
  if (frames.shape.length !== 4 || frames.shape[0] !== 2 || frames.shape[3] !== 3)
    throw new Error(`flow frames must be [2, H, W, 3] (got [${frames.shape.join(', ')}])`);
  const [, h, w] = frames.shape as [number, number, number, number];
  if (frames.data.length !== 2 * h * w * 3)
    throw new Error(`frame data (${frames.data.length} values) does not fill [2, ${h}, ${w}, 3]`);
  const out = new Float32Array(2 * 27 * h * w);
  for (let t = 0; t < 2; t++) {
    for (let di = 0; di < 3; di++) {
      for (let dj = 0; dj < 3; dj++) {
        for (let c = 0; c < 3; c++) {
          const ch = (di * 3 + dj) * 3 + c;
          for (let y = 0; y < h; y++) {
            const sy = y + di - 1;
            for (let x = 0; x < w; x++) {
              const sx = x + dj - 1;
              const v = sy < 0 || sy >= h || sx < 0 || sx >= w ? 0 : frames.data[((t * h + sy) * w + sx) * 3 + c]!;
              out[((t * 27 + ch) * h + y) * w + x] = v;
            }
          }
        }
      }
    }
  }
  return { shape: [1, 2, 27, h, w], data: out };
}
