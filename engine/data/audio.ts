/**
 * Audio examples: WAV files (PCM 8/16/24/32-bit integer, 32/64-bit float, WAVE_FORMAT_EXTENSIBLE)
 * and `.npy` waveforms, brought to what an Audio input node takes: its channel count (stereo is
 * averaged to mono, mono repeated to more channels), its sample rate (band-limited windowed-sinc
 * resampling, Kaiser window) and its length (a crop or zero padding; training crops and places
 * at a seeded random offset, evaluation at the centre / start). Pure: bytes in, floats out.
 */
import { DataError } from './errors.js';
import { parseNpy } from './npy.js';

export interface Waveform {
  sampleRate: number;
  channels: number;
  /** Frames (samples per channel). */
  frames: number;
  /** One array per channel. */
  data: Float32Array[];
}

const ascii = (b: Uint8Array, off: number) => String.fromCharCode(b[off]!, b[off + 1]!, b[off + 2]!, b[off + 3]!);

const KSDATAFORMAT_PCM = 1;
const KSDATAFORMAT_FLOAT = 3;
const EXTENSIBLE = 0xfffe;

/** Decode a RIFF/WAVE file; every refusal names the file and the fault. */
export function parseWav(bytes: Uint8Array, file: string): Waveform {
  const where = { file };
  if (bytes.length < 12)
    throw new DataError(
      `the WAV header is truncated (${bytes.length} bytes; a WAV file starts with a 12-byte RIFF header); the file is cut short — export it again`,
      where,
    );
  const tag = ascii(bytes, 0);
  if (tag === 'RIFX' || tag === 'RF64')
    throw new DataError(
      `${tag} WAV files are not supported; save it as a standard little-endian RIFF WAV (e.g. sox in.wav -e signed -b 16 out.wav)`,
      where,
    );
  if (tag !== 'RIFF' || ascii(bytes, 8) !== 'WAVE')
    throw new DataError('not a WAV file (no RIFF/WAVE signature); give .wav audio or a .npy waveform', where);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let fmt: { format: number; channels: number; rate: number; blockAlign: number; bits: number } | undefined;
  let off = 12;
  while (off + 8 <= bytes.length) {
    const id = ascii(bytes, off);
    const size = v.getUint32(off + 4, true);
    const body = off + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > bytes.length)
        throw new DataError(
          `the WAV header is truncated: its "fmt " chunk has ${Math.min(size, bytes.length - body)} of 16 bytes; export the file again`,
          where,
        );
      let format = v.getUint16(body, true);
      const channels = v.getUint16(body + 2, true);
      const rate = v.getUint32(body + 4, true);
      const blockAlign = v.getUint16(body + 12, true);
      const bits = v.getUint16(body + 14, true);
      if (format === EXTENSIBLE) {
        if (size < 40 || body + 26 > bytes.length)
          throw new DataError(
            'the WAV header is truncated: a WAVE_FORMAT_EXTENSIBLE "fmt " chunk needs 40 bytes',
            where,
          );
        format = v.getUint16(body + 24, true);
      }
      fmt = { format, channels, rate, blockAlign, bits };
    } else if (id === 'data') {
      if (!fmt)
        throw new DataError(
          'the WAV "data" chunk comes before any "fmt " chunk; the file is malformed — export it again',
          where,
        );
      return decodeSamples(bytes, v, body, size, fmt, file);
    }
    if (size > bytes.length - body) break;
    off = body + size + (size & 1);
  }
  throw new DataError(
    fmt
      ? 'the WAV file has no "data" chunk (or it is cut off before it); export the file again'
      : 'the WAV header is truncated: no "fmt " chunk; export the file again',
    where,
  );
}

function decodeSamples(
  bytes: Uint8Array,
  v: DataView,
  body: number,
  declared: number,
  fmt: { format: number; channels: number; rate: number; blockAlign: number; bits: number },
  file: string,
): Waveform {
  const where = { file };
  const { format, channels, rate, bits } = fmt;
  if (channels < 1 || channels > 64)
    throw new DataError(`the WAV header declares ${channels} channels; expected 1–64`, where);
  if (!(rate >= 1 && rate <= 1_000_000))
    throw new DataError(`the WAV header declares a sample rate of ${rate} Hz; expected 1 Hz – 1 MHz`, where);
  const isFloat = format === KSDATAFORMAT_FLOAT;
  if (!isFloat && format !== KSDATAFORMAT_PCM)
    throw new DataError(
      `WAV sample format ${format} is not supported (PCM and IEEE float are); convert it, e.g. sox in.wav -e signed -b 16 out.wav`,
      where,
    );
  if (isFloat ? bits !== 32 && bits !== 64 : ![8, 16, 24, 32].includes(bits))
    throw new DataError(
      `${bits}-bit ${isFloat ? 'float' : 'PCM'} WAV samples are not supported (PCM 8/16/24/32-bit, float 32/64-bit are)`,
      where,
    );
  const width = bits / 8;
  const frameBytes = width * channels;
  const available = bytes.length - body;
  // 0 and 0xFFFFFFFF are what streaming writers leave when they cannot seek back: read to the end.
  let size = declared === 0 || declared === 0xffffffff ? available : declared;
  if (size > available) {
    throw new DataError(
      `the WAV "data" chunk declares ${declared} bytes but only ${available} follow; the file is truncated — export it again (or remove it)`,
      where,
    );
  }
  size -= size % frameBytes;
  const frames = size / frameBytes;
  if (frames === 0) throw new DataError('the WAV file has no samples', where);
  const data = Array.from({ length: channels }, () => new Float32Array(frames));
  for (let f = 0; f < frames; f++) {
    for (let c = 0; c < channels; c++) {
      const p = body + f * frameBytes + c * width;
      let s: number;
      if (isFloat) s = bits === 32 ? v.getFloat32(p, true) : v.getFloat64(p, true);
      else if (bits === 8) s = (bytes[p]! - 128) / 128;
      else if (bits === 16) s = v.getInt16(p, true) / 32768;
      else if (bits === 24) s = (((bytes[p]! | (bytes[p + 1]! << 8) | (bytes[p + 2]! << 16)) << 8) >> 8) / 8388608;
      else s = v.getInt32(p, true) / 2147483648;
      if (!Number.isFinite(s))
        throw new DataError(`sample ${f} of channel ${c} is ${s}; the audio must be finite numbers`, where);
      data[c]![f] = s;
    }
  }
  return { sampleRate: rate, channels, frames, data };
}

/**
 * A `.npy` waveform: [T] (mono) or [T, C] (channels last, C ≤ 8). NumPy files carry no sample
 * rate: the samples are taken to be at `sampleRate` (the input node's).
 */
export function waveformFromNpy(bytes: Uint8Array, file: string, sampleRate: number): Waveform {
  const a = parseNpy(bytes, file);
  if (a.shape.length === 1 || (a.shape.length === 2 && a.shape[1]! <= 8)) {
    const frames = a.shape[0]!;
    const channels = a.shape[1] ?? 1;
    if (frames === 0) throw new DataError('the waveform has no samples', { file });
    const data = Array.from({ length: channels }, (_, c) =>
      Float32Array.from({ length: frames }, (_, f) => a.data[f * channels + c]!),
    );
    for (const ch of data)
      for (const s of ch)
        if (!Number.isFinite(s)) throw new DataError('the waveform has a non-finite sample (NaN or ±inf)', { file });
    return { sampleRate, channels, frames, data };
  }
  throw new DataError(
    `a .npy waveform is [samples] or [samples, channels ≤ 8], but this array is [${a.shape.join(', ')}]; save one clip per file`,
    { file },
  );
}

export function isAudioFileName(name: string): boolean {
  return /\.(wav|wave|npy)$/i.test(name);
}

export function decodeAudioFile(bytes: Uint8Array, file: string, sampleRate: number): Waveform {
  return /\.npy$/i.test(file) ? waveformFromNpy(bytes, file, sampleRate) : parseWav(bytes, file);
}

/** Zeroth-order modified Bessel function of the first kind (Kaiser window). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 50; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-12) break;
  }
  return sum;
}

const KAISER_TABLE = 4096;
let kaiser: Float64Array | undefined;
/** Kaiser window w(r) for r = 0 … 1 in KAISER_TABLE steps (one extra entry for interpolation). */
function kaiserTable(): Float64Array {
  if (kaiser) return kaiser;
  const t = new Float64Array(KAISER_TABLE + 2);
  const i0b = besselI0(KAISER_BETA);
  for (let k = 0; k <= KAISER_TABLE + 1; k++) {
    const r = Math.min(1, k / KAISER_TABLE);
    t[k] = besselI0(KAISER_BETA * Math.sqrt(1 - r * r)) / i0b;
  }
  kaiser = t;
  return t;
}

const ZERO_CROSSINGS = 16;
const KAISER_BETA = 8.6;

/**
 * Band-limited resampling by windowed-sinc interpolation (Kaiser window, β = 8.6, 16 zero
 * crossings each side). Downsampling lowers the cut-off to the new Nyquist frequency (×0.95
 * for the transition band), so content above it is removed rather than aliased.
 */
export function resample(x: Float32Array, from: number, to: number): Float32Array {
  if (from === to) return x;
  const ratio = to / from;
  const n = Math.max(1, Math.round(x.length * ratio));
  const y = new Float32Array(n);
  // Cut-off as a fraction of the source Nyquist frequency.
  const fc = Math.min(1, ratio) * 0.95;
  const half = Math.ceil(ZERO_CROSSINGS / fc);
  const win = kaiserTable();
  for (let i = 0; i < n; i++) {
    const t = i / ratio;
    const centre = Math.floor(t);
    let acc = 0;
    let wsum = 0;
    for (let j = centre - half + 1; j <= centre + half; j++) {
      const d = t - j;
      const r = Math.abs(d / half);
      if (r >= 1) continue;
      // The window, linearly interpolated from a table (exact to ~1e-7).
      const u = r * KAISER_TABLE;
      const k0 = Math.floor(u);
      const w = win[k0]! + (win[k0 + 1]! - win[k0]!) * (u - k0);
      const a = Math.PI * fc * d;
      const k = fc * (a === 0 ? 1 : Math.sin(a) / a) * w;
      wsum += k;
      if (j >= 0 && j < x.length) acc += x[j]! * k;
    }
    // Normalise by the kernel's sum so DC passes at exactly unit gain.
    y[i] = wsum > 0 ? acc / wsum : 0;
  }
  return y;
}

export interface AudioShape {
  samples: number;
  channels: number;
  sampleRate: number;
}

/**
 * A decoded waveform as the input's example: channels mapped, resampled, cropped or padded to
 * `samples` frames, channels last ([samples] when mono, else [samples, channels]).
 * `rand` (training only) picks the crop / padding offset; without it crops are centred and
 * padding goes at the end. Returns the frames of real audio too (the rest is zeros).
 * `valid` is not fed to the model as a mask: Audio input has no mask output and Multimodal
 * concat no mask port (as DM's and HF's audio Perceivers, which crop to a fixed length); the zero
 * padding reads as silence with its position features, alike in training and at test (README).
 */
export function waveformToInput(
  w: Waveform,
  shape: AudioShape,
  file: string,
  rand?: () => number,
): { x: Float32Array; valid: number; full: Float32Array[] } {
  let chans: Float32Array[];
  if (w.channels === shape.channels) chans = w.data;
  else if (shape.channels === 1) {
    const m = new Float32Array(w.frames);
    for (const ch of w.data) for (let f = 0; f < w.frames; f++) m[f]! += ch[f]! / w.channels;
    chans = [m];
  } else if (w.channels === 1) chans = Array.from({ length: shape.channels }, () => w.data[0]!);
  else
    throw new DataError(
      `the audio has ${w.channels} channels but the input node takes ${shape.channels}; set the Audio input's channels to ${w.channels} or 1, or convert the file`,
      { file },
    );
  if (w.sampleRate !== shape.sampleRate) {
    // Resample each distinct channel once (mono repeated to stereo shares one array).
    const done = new Map<Float32Array, Float32Array>();
    chans = chans.map((c) => done.get(c) ?? done.set(c, resample(c, w.sampleRate, shape.sampleRate)).get(c)!);
  }
  return { ...cropToInput(chans, shape, rand), full: chans };
}

/** Channels at the input's rate → the input's length (see waveformToInput). */
export function cropToInput(
  chans: Float32Array[],
  shape: AudioShape,
  rand?: () => number,
): { x: Float32Array; valid: number } {
  const len = chans[0]!.length;
  const T = shape.samples;
  const C = shape.channels;
  const x = new Float32Array(T * C);
  // src: first source frame used; dst: where it lands.
  let src = 0;
  let dst = 0;
  if (len > T) src = rand ? Math.floor(rand() * (len - T + 1)) : Math.floor((len - T) / 2);
  else if (len < T && rand) dst = Math.floor(rand() * (T - len + 1));
  const valid = Math.min(len, T);
  for (let f = 0; f < valid; f++) for (let c = 0; c < C; c++) x[(dst + f) * C + c] = chans[c]![src + f]!;
  return { x, valid };
}

/** The example codec of an audio class folder for an input of this shape (engine/data/fileFolder). */
export function audioCodec(shape: AudioShape): import('./fileFolder.js').ExampleCodec {
  return {
    what: 'audio clip',
    formats: 'WAV or .npy',
    accepts: isAudioFileName,
    shape: shape.channels === 1 ? [shape.samples] : [shape.samples, shape.channels],
    decode: (bytes, path, rand) => waveformToInput(decodeAudioFile(bytes, path, shape.sampleRate), shape, path, rand).x,
    // Parsing, channel mapping and resampling are cached; the crop is drawn per use.
    prepare: (bytes, path) => {
      const w = waveformToInput(decodeAudioFile(bytes, path, shape.sampleRate), { ...shape, samples: 0 }, path);
      return { value: w.full, bytes: w.full.reduce((a, c) => a + c.byteLength, 0) };
    },
    finish: (prepared, path, rand) => cropToInput(prepared as Float32Array[], shape, rand).x,
  };
}
