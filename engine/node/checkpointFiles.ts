/**
 * Checkpoints on disk: DIR/epoch-0003/{checkpoint.json, weights.bin} (epoch-0003-step-000120 for a
 * run stopped inside epoch 4) written under a temporary
 * name and renamed into place, then DIR/latest.json pointed at it (also by rename), so a crash
 * mid-write never leaves a half checkpoint where a resume would find it. The two newest epochs
 * are kept.
 */
import { constants as bufferConstants } from 'node:buffer';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readFileBounded } from './boundedRead.js';
import { CheckpointError, validateManifest, type Checkpoint } from '../train/checkpoint.js';

const KEEP = 2;

/** epoch-0003 (after epoch 3), or epoch-0003-step-000120 (stopped 120 batches into epoch 4). */
function epochDirName(ckpt: Checkpoint): string {
  const base = `epoch-${String(ckpt.manifest.epoch).padStart(4, '0')}`;
  const p = ckpt.manifest.partialEpoch;
  return p ? `${base}-step-${String(p.steps).padStart(6, '0')}` : base;
}

const CHECKPOINT_DIR = /^epoch-\d+(-step-\d+)?$/;

export function writeCheckpoint(dir: string, ckpt: Checkpoint): string {
  mkdirSync(dir, { recursive: true });
  const name = epochDirName(ckpt);
  const tmp = join(dir, `.${name}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  writeFileSync(join(tmp, 'weights.bin'), new Uint8Array(ckpt.data.buffer, ckpt.data.byteOffset, ckpt.data.byteLength));
  writeFileSync(join(tmp, 'checkpoint.json'), JSON.stringify(ckpt.manifest, null, 1));
  const final = join(dir, name);
  rmSync(final, { recursive: true, force: true });
  renameSync(tmp, final);
  const latestTmp = join(dir, `.latest.json.tmp-${process.pid}`);
  writeFileSync(latestTmp, JSON.stringify({ epoch: ckpt.manifest.epoch, path: name }));
  renameSync(latestTmp, join(dir, 'latest.json'));
  // Names sort in training order (a stop inside epoch 4 sorts after epoch-0003, before epoch-0004).
  const epochs = readdirSync(dir)
    .filter((n) => CHECKPOINT_DIR.test(n))
    .sort();
  for (const old of epochs.slice(0, Math.max(0, epochs.length - KEEP)))
    rmSync(join(dir, old), { recursive: true, force: true });
  return final;
}

/** Read DIR (its latest.json) or an epoch folder directly. */
export function readCheckpoint(dir: string): Checkpoint {
  let folder = dir;
  const latest = join(dir, 'latest.json');
  if (existsSync(latest)) {
    let pointer: { path?: unknown };
    try {
      pointer = JSON.parse(readFileBounded(latest, 64 * 1024, 'checkpoint pointer').toString('utf8')) as {
        path?: unknown;
      };
    } catch (err) {
      throw new CheckpointError(`${latest} is damaged (${(err as Error).message})`);
    }
    if (typeof pointer.path !== 'string' || !CHECKPOINT_DIR.test(pointer.path))
      throw new CheckpointError(`${latest} does not name an epoch folder`);
    folder = join(dir, pointer.path);
  }
  const manifestPath = join(folder, 'checkpoint.json');
  const weightsPath = join(folder, 'weights.bin');
  if (!existsSync(manifestPath) || !existsSync(weightsPath)) {
    throw new CheckpointError(
      `${dir} holds no checkpoint (expected latest.json, or checkpoint.json + weights.bin); write one with --checkpoints DIR`,
    );
  }
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileBounded(manifestPath, 64 * 1024 ** 2, 'checkpoint manifest').toString('utf8'));
  } catch (err) {
    throw new CheckpointError(`${manifestPath} is not valid JSON (${(err as Error).message})`);
  }
  let bytes: Buffer;
  try {
    // Regular files only, read with a limit (a checkpoint folder is untrusted content).
    bytes = readFileBounded(weightsPath, bufferConstants.MAX_LENGTH - 1, 'checkpoint weights');
  } catch (err) {
    throw new CheckpointError(`${weightsPath} cannot be read (${(err as Error).message})`);
  }
  if (bytes.byteLength % 4 !== 0)
    throw new CheckpointError(
      `${weightsPath} is truncated (${bytes.byteLength} bytes is not a whole number of floats)`,
    );
  const data = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(data.buffer).set(bytes);
  return { manifest: validateManifest(manifest, data.length, manifestPath), data };
}
