/**
 * Issue 16, decompression bombs: declared sizes are checked before anything is inflated, and a
 * member that inflates past its declared size is stopped there (Node's zlib and the platform's
 * DecompressionStream alike), with a message that names the file and member.
 */
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { npy, npz, zip } from '../export/archive.js';
import { nodeInflateRaw } from '../node/files.js';
import { DataError } from './errors.js';
import { parseNpz } from './npy.js';
import { InflateLimitError, platformInflateRaw } from './platform.js';
import { readZip } from './zip.js';

const deflate = (d: Uint8Array) => new Uint8Array(deflateRawSync(d));

/** Rewrite the uncompressed size of every central directory entry (a lying archive). */
function lieAboutSize(archive: Uint8Array, size: number): Uint8Array {
  const out = archive.slice();
  const v = new DataView(out.buffer);
  for (let i = 0; i + 4 <= out.length; i++) if (v.getUint32(i, true) === 0x02014b50) v.setUint32(i + 24, size, true);
  return out;
}

const bomb = (mb: number) =>
  npz({ zeros: { shape: [mb * 1024 * 1024], data: new Uint8Array(mb * 1024 * 1024) } }, { deflateRaw: deflate });

describe('zip members: declared sizes and inflation limits', () => {
  it('refuses an archive whose declared sizes are over the limit without inflating anything', async () => {
    const archive = bomb(8); // 8 MB of zeros, about 8 KB compressed
    expect(archive.length).toBeLessThan(64 * 1024);
    const inflateRaw = vi.fn(nodeInflateRaw);
    const err = await readZip(archive, { file: 'bomb.npz', inflateRaw, maxOutputBytes: 4 * 1024 * 1024 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DataError);
    expect((err as Error).message).toMatch(/^bomb\.npz: .*add up to 8 MB once decompressed, over the 4 MB/);
    expect(inflateRaw).not.toHaveBeenCalled();
  });

  it('stops a member that inflates past the size its directory declares (Node zlib and DecompressionStream)', async () => {
    const liar = lieAboutSize(bomb(32), 1000);
    for (const [name, inflateRaw] of [
      ['node', nodeInflateRaw],
      ['platform', platformInflateRaw()!],
    ] as const) {
      const before = process.memoryUsage().arrayBuffers;
      let peak = before;
      const watched = async (b: Uint8Array, max?: number) => {
        try {
          return await inflateRaw(b, max);
        } finally {
          // What it allocated is not collected yet: a full inflation would show here.
          peak = Math.max(peak, process.memoryUsage().arrayBuffers);
        }
      };
      const err = await parseNpz(liar, { file: 'liar.npz', inflateRaw: watched }).catch((e: unknown) => e);
      expect(err, name).toBeInstanceOf(DataError);
      expect((err as Error).message, name).toMatch(
        /^liar\.npz: member "zeros\.npy" decompresses to more than the 1000 bytes its directory declares/,
      );
      // Never anywhere near the 32 MB the member really holds.
      expect(peak - before, name).toBeLessThan(16 * 1024 * 1024);
    }
  });

  it('the inflaters stop at their limit and keep working below it', async () => {
    const data = new Uint8Array(300_000).map((_, i) => (i * 7) % 251);
    const packed = deflate(data);
    for (const inflateRaw of [nodeInflateRaw, platformInflateRaw()!]) {
      // Buffer.equals: toEqual walks 300,000 elements slowly.
      expect(Buffer.from(await inflateRaw(packed, data.length)).equals(data)).toBe(true);
      expect(Buffer.from(await inflateRaw(packed)).equals(data)).toBe(true);
      await expect(inflateRaw(packed, data.length - 1)).rejects.toBeInstanceOf(InflateLimitError);
    }
  });

  it('still reads honest archives, stored and deflated, and refuses a stored member with two sizes', async () => {
    const a = { shape: [3], data: Float32Array.of(1, 2, 3) };
    for (const opts of [{}, { deflateRaw: deflate }]) {
      const m = await parseNpz(npz({ a }, opts), { inflateRaw: nodeInflateRaw });
      expect(Array.from(m.get('a')!.data as Float32Array)).toEqual([1, 2, 3]);
    }
    const stored = lieAboutSize(zip([{ name: 'a.npy', data: npy(a) }]), 5);
    await expect(readZip(stored, { file: 's.npz' })).rejects.toThrow(
      /s\.npz: member "a\.npy" is stored uncompressed but its directory gives two sizes/,
    );
  });
});
