import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { trainingSettingsSchema } from '../graph/schema.js';
import { CHECKPOINT_FORMAT, type Checkpoint } from '../train/checkpoint.js';
import { readCheckpoint, writeCheckpoint } from './checkpointFiles.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function ckpt(epoch: number): Checkpoint {
  return {
    manifest: {
      format: CHECKPOINT_FORMAT,
      version: 1,
      epoch,
      step: epoch * 10,
      settings: trainingSettingsSchema.parse({}),
      optimizerIterations: epoch * 10,
      weights: [{ name: 'w', shape: [2, 2], offset: 0, length: 4 }],
      optimizer: [{ name: 'w/m', shape: [2, 2], offset: 4, length: 4 }],
      history: [],
      earlyStopping: { bestValLoss: null, epochsSinceBest: 0 },
      createdAt: new Date(0).toISOString(),
    },
    data: Float32Array.from({ length: 8 }, (_, i) => i + epoch),
  };
}

describe('checkpoint files', () => {
  it('writes epoch folders, points latest.json at the newest, keeps two, and reads back exactly', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ps-ckpt-'));
    dirs.push(dir);
    for (const e of [1, 2, 3]) writeCheckpoint(dir, ckpt(e));
    expect(readdirSync(dir).sort()).toEqual(['epoch-0002', 'epoch-0003', 'latest.json']);
    const back = readCheckpoint(dir);
    expect(back.manifest.epoch).toBe(3);
    expect([...back.data]).toEqual([...ckpt(3).data]);
    // An epoch folder can be given directly.
    expect(readCheckpoint(join(dir, 'epoch-0002')).manifest.epoch).toBe(2);
  });
  it('refuses missing, damaged and truncated checkpoints with the path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ps-ckpt-'));
    dirs.push(dir);
    expect(() => readCheckpoint(dir)).toThrow(`${dir} holds no checkpoint`);
    const folder = writeCheckpoint(dir, ckpt(1));
    writeFileSync(join(folder, 'weights.bin'), new Uint8Array(20));
    expect(() => readCheckpoint(dir)).toThrow(/tensor "w\/m" does not fit the weights file/);
    writeFileSync(join(folder, 'weights.bin'), new Uint8Array(13));
    expect(() => readCheckpoint(dir)).toThrow(/weights\.bin is truncated/);
    writeFileSync(join(folder, 'weights.bin'), new Uint8Array(32));
    writeFileSync(join(folder, 'checkpoint.json'), '{"format": "something else"}');
    expect(() => readCheckpoint(dir)).toThrow(/is not a Perceiver Studio checkpoint/);
    writeFileSync(join(dir, 'latest.json'), '{"path": "../../etc"}');
    expect(() => readCheckpoint(dir)).toThrow(/does not name an epoch folder/);
    expect(existsSync(join(dir, 'latest.json'))).toBe(true);
  });
});
