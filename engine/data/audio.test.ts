import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { audioCodec, parseWav, resample, waveformFromNpy, waveformToInput, type Waveform } from './audio.js';
import { DataError } from './errors.js';
import { fileFolderDataset } from './fileFolder.js';
import { wavBytes } from './fixtures/wav.js';
import { mulberry32 } from './random.js';

const tone = (hz: number, rate: number, n: number, amp = 0.5) =>
  Float32Array.from({ length: n }, (_, i) => amp * Math.sin((2 * Math.PI * hz * i) / rate));
const rms = (x: Float32Array, from = 0, to = x.length) =>
  Math.sqrt(x.subarray(from, to).reduce((a, v) => a + v * v, 0) / (to - from));

describe('WAV', () => {
  for (const [format, tol] of [
    ['u8', 1 / 100],
    ['s16', 1e-4],
    ['s24', 1e-6],
    ['s32', 1e-8],
    ['f32', 1e-7],
  ] as const) {
    it(`reads ${format} PCM, stereo, to floats in [-1, 1]`, () => {
      const l = tone(440, 8000, 100);
      const r = tone(220, 8000, 100, -0.25);
      const w = parseWav(wavBytes([l, r], 8000, format), 'a.wav');
      expect([w.sampleRate, w.channels, w.frames]).toEqual([8000, 2, 100]);
      for (let i = 0; i < 100; i++) {
        expect(Math.abs(w.data[0]![i]! - l[i]!)).toBeLessThan(tol);
        expect(Math.abs(w.data[1]![i]! - r[i]!)).toBeLessThan(tol);
      }
    });
  }

  it('names the file and the fault: truncated header, truncated data, not a WAV, unsupported format', () => {
    const good = wavBytes([tone(440, 8000, 100)], 8000, 's16');
    expect(() => parseWav(good.subarray(0, 10), 'x.wav')).toThrow(
      'x.wav: the WAV header is truncated (10 bytes; a WAV file starts with a 12-byte RIFF header); the file is cut short — export it again',
    );
    expect(() => parseWav(good.subarray(0, 30), 'x.wav')).toThrow(
      /x\.wav: the WAV header is truncated: its "fmt " chunk has 10 of 16 bytes/,
    );
    expect(() => parseWav(good.subarray(0, 120), 'x.wav')).toThrow(
      'x.wav: the WAV "data" chunk declares 200 bytes but only 76 follow; the file is truncated — export it again (or remove it)',
    );
    expect(() => parseWav(new TextEncoder().encode('hello, this is text'), 'x.wav')).toThrow(
      'x.wav: not a WAV file (no RIFF/WAVE signature); give .wav audio or a .npy waveform',
    );
    const alaw = good.slice();
    new DataView(alaw.buffer).setUint16(20, 6, true);
    expect(() => parseWav(alaw, 'x.wav')).toThrow(/x\.wav: WAV sample format 6 is not supported/);
  });

  it('fuzz: mutated and truncated WAVs load or give a named DataError, never anything else', () => {
    const base = wavBytes([tone(440, 8000, 64), tone(300, 8000, 64)], 8000, 's16');
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
        fc.nat(base.length),
        (edits, cut) => {
          const b = base.slice(0, Math.max(0, base.length - cut));
          for (const [i, v] of edits) if (i < b.length) b[i] = v;
          try {
            const w = parseWav(b, 'f.wav');
            expect(w.frames).toBeGreaterThan(0);
            expect(w.data.every((c) => c.every(Number.isFinite))).toBe(true);
          } catch (err) {
            expect(err).toBeInstanceOf(DataError);
            expect((err as Error).message.startsWith('f.wav: ')).toBe(true);
          }
        },
      ),
      { numRuns: 400, seed: 14 },
    );
  });
});

describe('resampling', () => {
  it('keeps a tone inside the band at its amplitude and frequency', () => {
    const x = tone(1000, 22050, 22050);
    const y = resample(x, 22050, 8000);
    expect(y.length).toBe(8000);
    const ref = tone(1000, 8000, 8000);
    // Away from the edges the resampled signal is the ideal 8 kHz tone to within 1%.
    let err = 0;
    for (let i = 200; i < 7800; i++) err = Math.max(err, Math.abs(y[i]! - ref[i]!));
    expect(err).toBeLessThan(0.005);
    // Upsampling back is faithful too.
    const z = resample(y, 8000, 22050);
    expect(Math.abs(rms(z, 1000, 21000) - rms(x, 1000, 21000))).toBeLessThan(0.005);
  });

  it('removes content above the new Nyquist frequency instead of aliasing it', () => {
    // 6 kHz is above 4 kHz (8 kHz/2): naive decimation would fold it to 2 kHz at full strength.
    const y = resample(tone(6000, 22050, 22050), 22050, 8000);
    expect(rms(y, 200, 7800)).toBeLessThan(0.002);
    const src = tone(6000, 22050, 22050);
    const naive = Float32Array.from({ length: 8000 }, (_, i) => src[Math.floor((i * 22050) / 8000)]!);
    expect(rms(naive)).toBeGreaterThan(0.3);
  });
});

describe('waveform to input', () => {
  const w = (frames: number, channels = 1, rate = 8000): Waveform => ({
    sampleRate: rate,
    channels,
    frames,
    data: Array.from({ length: channels }, (_, c) => Float32Array.from({ length: frames }, (_, i) => c * 1000 + i + 1)),
  });
  it('crops at the centre for evaluation and at a seeded offset for training; pads with zeros', () => {
    const shape = { samples: 4, channels: 1, sampleRate: 8000 };
    expect([...waveformToInput(w(10), shape, 'a').x]).toEqual([4, 5, 6, 7]);
    const a = waveformToInput(w(10), shape, 'a', mulberry32(3)).x;
    expect([...a]).toEqual([...waveformToInput(w(10), shape, 'a', mulberry32(3)).x]);
    expect(a[1]! - a[0]!).toBe(1);
    const p = waveformToInput(w(2), shape, 'a');
    expect([...p.x]).toEqual([1, 2, 0, 0]);
    expect(p.valid).toBe(2);
  });
  it('averages stereo to mono, repeats mono to stereo, refuses other channel counts by name', () => {
    expect([...waveformToInput(w(2, 2), { samples: 2, channels: 1, sampleRate: 8000 }, 'a').x]).toEqual([501, 502]);
    expect([...waveformToInput(w(2, 1), { samples: 2, channels: 2, sampleRate: 8000 }, 'a').x]).toEqual([1, 1, 2, 2]);
    expect(() => waveformToInput(w(2, 3), { samples: 2, channels: 2, sampleRate: 8000 }, 'c.wav')).toThrow(
      "c.wav: the audio has 3 channels but the input node takes 2; set the Audio input's channels to 3 or 1, or convert the file",
    );
  });
  it('reads .npy waveforms [T] and [T, C] at the input rate, and refuses other shapes', () => {
    const npy = (shape: number[], data: Float32Array) => {
      const header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
      const padded = header.padEnd(118, ' ') + '\n';
      const out = new Uint8Array(10 + padded.length + data.byteLength);
      out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, padded.length & 255, padded.length >> 8]);
      out.set(new TextEncoder().encode(padded), 10);
      out.set(new Uint8Array(data.buffer), 10 + padded.length);
      return out;
    };
    const m = waveformFromNpy(npy([3, 2], Float32Array.of(1, 2, 3, 4, 5, 6)), 's.npy', 16000);
    expect([m.sampleRate, m.channels, m.frames, [...m.data[1]!]]).toEqual([16000, 2, 3, [2, 4, 6]]);
    expect(() => waveformFromNpy(npy([2, 3, 4], new Float32Array(24)), 's.npy', 16000)).toThrow(
      's.npy: a .npy waveform is [samples] or [samples, channels ≤ 8], but this array is [2, 3, 4]; save one clip per file',
    );
  });
});

describe('audio class folders', () => {
  const rate = 8000;
  const files = new Map<string, Uint8Array>();
  const classes = ['high', 'low'].map((name) => ({
    name,
    files: Array.from({ length: 20 }, (_, i) => `root/${name}/${i}.wav`),
  }));
  classes.forEach((c, k) =>
    c.files.forEach((f, i) => files.set(f, wavBytes([tone(k ? 300 : 1500, 11025, 3000 + i * 37)], 11025, 's16'))),
  );
  files.set('root/low/bad.wav', new Uint8Array([82, 73, 70, 70]));
  classes[1]!.files.push('root/low/bad.wav', 'root/low/notes.txt');
  const listing = { root: 'root', classes, looseFiles: ['root/readme.md'] };
  const read = async (p: string) => files.get(p) ?? new Uint8Array();

  it('streams batches of the input shape, decoding lazily, and counts what it skipped', async () => {
    const ds = fileFolderDataset(listing, read, audioCodec({ samples: 1024, channels: 1, sampleRate: rate }), {
      badFiles: 'skip',
      validationFraction: 0.1,
      testFraction: 0.2,
    });
    expect(ds.inputShape).toEqual([1024]);
    expect(ds.classNames).toEqual(['high', 'low']);
    expect(ds.stats.decoded).toBe(0);
    expect(ds.skipped.count).toBe(2); // the loose file and notes.txt
    let seen = 0;
    for await (const b of ds.train.batches(8, { shuffle: true, seed: 1, epoch: 0 })) {
      expect(b.x.length).toBe(b.n * 1024);
      seen += b.n;
    }
    for await (const b of ds.validation.batches(8)) seen += b.n;
    for await (const b of ds.test.batches(8)) seen += b.n;
    expect(seen).toBe(40);
    expect(ds.skipped.count).toBe(3);
    expect(ds.skipped.reasons[2]).toBe(
      'root/low/bad.wav: the WAV header is truncated (4 bytes; a WAV file starts with a 12-byte RIFF header); the file is cut short — export it again',
    );
  });

  it('stops on a bad file with its name when not skipping', async () => {
    const ds = fileFolderDataset(listing, read, audioCodec({ samples: 1024, channels: 1, sampleRate: rate }), {
      validationFraction: 0,
      testFraction: 0,
    });
    const run = async () => {
      for await (const _ of ds.train.batches(64)) void _;
    };
    await expect(run()).rejects.toThrow('root/low/bad.wav: the WAV header is truncated');
  });
});
