/**
 * CLI conventions (issue 13): refused flags and commands name the nearest valid spelling,
 * --version, the progress bar on a terminal's stderr (stdout's --json lines untouched), Ctrl-C
 * during train (checkpoint + exit 130 + how to resume), --max-steps limiting evaluation, and a
 * --memory-limit above what the backend holds. Some run in-process (runCli), the rest spawn
 * bin/perceiver-studio.js as a user would.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../data/random.js';
import { HELP, nearest, runCli } from './main.js';
import { bar, formatDuration, TrainProgress } from './progress.js';

const root = resolve(__dirname, '..', '..');
const BIN = join(root, 'bin', 'perceiver-studio.js');
const fixture = (name: string) => join(__dirname, 'fixtures', name);
let dir: string;

function blobsCsv(rows: number, seed: number): string {
  const rand = mulberry32(seed);
  const lines = ['f1,f2,f3,f4,species'];
  for (let i = 0; i < rows; i++) {
    const k = i % 3;
    lines.push([k * 2 + rand(), rand(), k + rand(), rand(), ['alpha', 'beta', 'gamma'][k]].join(','));
  }
  return lines.join('\n') + '\n';
}

async function cli(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { log: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out, err };
}

/** Run the real CLI; env PERCEIVER_PROGRESS etc. as given. */
function run(
  argv: string[],
  env: Record<string, string> = {},
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...argv], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Lines of stderr without tfjs' "install tfjs-node" banner. */
const errLines = (s: string) => s.split('\n').filter((l) => l && !/tfjs-node|^=+$|Hi, looks like/.test(l));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ps-cli-conv-'));
  writeFileSync(join(dir, 'blobs.csv'), blobsCsv(240, 3));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('argument parsing', () => {
  it('refuses a misspelt command, naming the nearest', async () => {
    const r = await cli(['trian', fixture('tabular-test.json')]);
    expect(r.code).toBe(2);
    expect(r.err[0]).toMatch(
      /^perceiver-studio: unknown command "trian"; did you mean "train"\? \(commands: inspect, train, export/,
    );
    const far = await cli(['frobnicate']);
    expect(far.code).toBe(2);
    expect(far.err[0]).not.toMatch(/did you mean/);
  });

  it('refuses an unknown flag, naming the nearest of that command, or the command it belongs to', async () => {
    const r = await cli(['train', fixture('tabular-test.json'), '--data', 'x.csv', '--epoch', '3']);
    expect(r.code).toBe(2);
    expect(r.err[0]).toMatch(/^perceiver-studio: unknown option --epoch for train; did you mean --epochs\?/);
    const swap = await cli(['train', fixture('tabular-test.json'), '--data', 'x.csv', '--bacth-size', '3']);
    expect(swap.err[0]).toMatch(/did you mean --batch-size\?/);
    const other = await cli(['train', fixture('tabular-test.json'), '--data', 'x.csv', '--format', 'tfjs']);
    expect(other.err[0]).toMatch(/unknown option --format for train \(it is an option of export\)/);
    const exp = await cli(['export', fixture('tabular-test.json'), '--fromat', 'tfjs']);
    expect(exp.err[0]).toMatch(/unknown option --fromat for export; did you mean --format\?/);
  });

  it('says which flag lacks its value, which takes none, and refuses stray arguments', async () => {
    expect((await cli(['train', fixture('tabular-test.json'), '--epochs'])).err[0]).toMatch(/--epochs needs a value/);
    expect((await cli(['inspect', fixture('tabular-test.json'), '--json=yes'])).err[0]).toMatch(
      /--json is a switch and takes no value/,
    );
    const stray = await cli(['train', fixture('tabular-test.json'), '--epochs', '5', '6']);
    expect(stray.code).toBe(2);
    expect(stray.err[0]).toMatch(/train takes a template .*; got 2 arguments \(".*tabular-test\.json", "6"\)/);
    expect((await cli(['export'])).err[0]).toMatch(/export needs --format pytorch, tfjs, onnx or hf/);
    expect((await cli(['export', '--format', 'tfjs', '--out', join(dir, 'never')])).err[0]).toMatch(
      /export needs a template file, or --weights DIR/,
    );
  });

  it('dispatches predict and import-hf with their own help and flags', async () => {
    const { PREDICT_HELP } = await import('./predict.js');
    const h = await cli(['predict', '--help']);
    expect(h.code).toBe(0);
    expect(h.out[0]).toBe(PREDICT_HELP);
    expect((await cli(['help', 'predict'])).out[0]).toBe(PREDICT_HELP);
    expect((await cli(['prdict', 'x'])).err[0]).toMatch(/did you mean "predict"\?/);
    expect((await cli(['predict', 'dir', 'a.png', '--inptu', 'x=y.npy'])).err[0]).toMatch(
      /unknown option --inptu for predict; did you mean --input\?/,
    );
    expect((await cli(['import-hf', 'folder', '--froce'])).err[0]).toMatch(/did you mean --force\?/);
  });

  it('nearest() suggests only close spellings', () => {
    expect(nearest('--max-step', ['--max-steps', '--mask-rate'])).toBe('--max-steps');
    expect(nearest('--ouput', ['--out', '--format'])).toBe('--out');
    expect(nearest('--zzzzzz', ['--out', '--format'])).toBeUndefined();
  });

  it('--version prints the package and tfjs versions', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    const r = run(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(`perceiver-studio ${pkg.version} (tfjs 4.22.0, Node ${process.version})`);
    expect(run(['-v']).stdout.trim()).toBe(r.stdout.trim());
  });

  it('--help documents the first {start: true} JSON line and the exit codes', () => {
    expect(HELP).toMatch(/\{start: true/);
    expect(HELP).toMatch(/130/);
    expect(HELP).toMatch(/--version/);
  });
});

describe('progress', () => {
  it('formats durations, the bar and a step', () => {
    expect(formatDuration(42.4)).toBe('42 s');
    expect(formatDuration(185)).toBe('3m05s');
    expect(formatDuration(3720)).toBe('1h02m');
    expect(bar(0.5, 10)).toBe('[█████░░░░░]  50%');
    const drawn: string[] = [];
    const lines: string[] = [];
    let t = 0;
    const p = new TrainProgress(
      { log: () => {}, err: (s) => lines.push(s), progress: (s) => drawn.push(s) },
      2,
      10,
      () => t,
    );
    p.step({
      epoch: 0,
      step: 5,
      stepsPerEpoch: 10,
      totalSteps: 20,
      loss: 0.51234,
      learningRate: 1e-3,
      examplesPerSecond: 812.4,
      etaSeconds: 62,
    });
    expect(drawn[0]).toBe('[██████░░░░░░░░░░░░░░░░░░]  25% epoch 1/2 step 5/10 · loss 0.5123 · 812 ex/s · ETA 1m02s');
    t = 50; // too soon to redraw
    p.step({
      epoch: 0,
      step: 6,
      stepsPerEpoch: 10,
      totalSteps: 20,
      loss: 0.5,
      learningRate: 1e-3,
      examplesPerSecond: 800,
      etaSeconds: 60,
    });
    expect(drawn).toHaveLength(1);
    expect(lines).toEqual([]);
  });

  it('prints a plain line every interval where stderr is not a terminal', () => {
    const lines: string[] = [];
    let t = 0;
    const p = new TrainProgress({ log: () => {}, err: (s) => lines.push(s), progressLines: true }, 1, 10, () => t);
    const e = {
      epoch: 0,
      step: 1,
      stepsPerEpoch: 100,
      totalSteps: 100,
      loss: 1,
      learningRate: 1e-3,
      examplesPerSecond: 50,
      etaSeconds: 99,
    };
    p.step(e);
    t = 9_000;
    p.step({ ...e, step: 2 });
    t = 10_500;
    p.step({ ...e, step: 3 });
    expect(lines).toEqual(['progress: step 3/100 (epoch 1/1 step 3/100 · loss 1.0000 · 50.0 ex/s · ETA 1m39s)']);
  });

  it('draws a bar on stderr (PERCEIVER_PROGRESS=bar, as on a terminal) and leaves the --json lines on stdout alone', () => {
    const r = run(
      [
        'train',
        fixture('tabular-test.json'),
        '--data',
        join(dir, 'blobs.csv'),
        '--target',
        'species',
        '--epochs',
        '2',
        '--max-steps',
        '3',
        '--json',
      ],
      { PERCEIVER_PROGRESS: 'bar' },
    );
    expect(r.status, r.stderr).toBe(0);
    const out = r.stdout.trim().split('\n');
    for (const l of out) expect(() => JSON.parse(l), l).not.toThrow();
    expect(out).toHaveLength(4); // start, two epochs, final
    // (examples/s and ETA read "…" and "?" until a quarter second of steps has been timed)
    expect(r.stderr).toMatch(
      /\r\x1b\[2K\[█*░*\] +\d+% epoch 2\/2 step 3\/3 · loss \d\.\d{4} · (?:[\d.]+|…) ex\/s · ETA \S+/,
    );
  });

  it.skipIf(!existsSync('/usr/bin/script'))('draws the bar on a real terminal (script(1) gives the CLI a pty)', () => {
    const cmd = `${process.execPath} ${BIN} train ${fixture('tabular-test.json')} --data ${join(dir, 'blobs.csv')} --target species --epochs 1 --max-steps 4`;
    const r = spawnSync('/usr/bin/script', ['-qfec', cmd, '/dev/null'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, PERCEIVER_PROGRESS: '' },
    });
    expect(r.status, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/\[█+\] 100% epoch 1\/1 step 4\/4 · loss/);
    expect(r.stdout).toMatch(/epoch 1: loss/);
  });
});

describe('train limits', () => {
  it('--max-steps also limits evaluation', async () => {
    const r = await cli([
      'train',
      fixture('tabular-test.json'),
      '--data',
      join(dir, 'blobs.csv'),
      '--target',
      'species',
      '--epochs',
      '1',
      '--max-steps',
      '2',
      '--batch-size',
      '8',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const final = JSON.parse(r.out[r.out.length - 1]!);
    expect(final.testExamples).toBe(16);
    const plain = await cli([
      'train',
      fixture('tabular-test.json'),
      '--data',
      join(dir, 'blobs.csv'),
      '--target',
      'species',
      '--epochs',
      '1',
      '--max-steps',
      '2',
      '--batch-size',
      '8',
    ]);
    expect(plain.out[plain.out.length - 1]).toMatch(
      /on the first 16 of \d+ test examples \(--max-steps limits evaluation\)/,
    );
  });

  it('refuses a --memory-limit beyond what the backend can hold, with the limit', async () => {
    const r = await cli([
      'train',
      fixture('tabular-test.json'),
      '--data',
      join(dir, 'blobs.csv'),
      '--memory-limit',
      '64',
    ]);
    expect(r.code).toBe(2);
    expect(r.err[0]).toBe(
      'perceiver-studio: --memory-limit 64 GiB is more than the wasm backend can hold: 4.00 GiB (a 32-bit WebAssembly heap); give --memory-limit 4 or less\nRun "perceiver-studio --help" for usage.',
    );
    const cpu = await cli([
      'train',
      fixture('tabular-test.json'),
      '--data',
      join(dir, 'blobs.csv'),
      '--backend',
      'cpu',
      '--memory-limit',
      '5',
    ]);
    expect(cpu.err[0]).toMatch(/more than the cpu backend can hold: 4\.00 GiB/);
  });
});

/** Spawn `train`, send SIGINT once the first epoch line is out; resolves with the exit code and output. */
function trainAndInterrupt(argv: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const p = spawn(process.execPath, [BIN, ...argv], { cwd: root });
    let stdout = '';
    let stderr = '';
    let sent = false;
    p.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (!sent && /^epoch 1:/m.test(stdout)) {
        sent = true;
        setTimeout(() => p.kill('SIGINT'), 300);
      }
    });
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('exit', (code) => done({ code, stdout, stderr }));
  });
}

describe('Ctrl-C during train', () => {
  it('writes a checkpoint, exits 130 and says how to resume; the printed command resumes', async () => {
    const ck = join(dir, 'ck-int');
    const argv = [
      'train',
      fixture('tabular-test.json'),
      '--data',
      join(dir, 'blobs.csv'),
      '--target',
      'species',
      '--epochs',
      '400',
      '--batch-size',
      '4',
      '--checkpoints',
      ck,
    ];
    const r = await trainAndInterrupt(argv);
    expect(r.code, r.stderr).toBe(130);
    const err = errLines(r.stderr);
    expect(err).toContain(
      'perceiver-studio: interrupted; stopping after this step and writing a checkpoint (Ctrl-C again to quit at once)',
    );
    const at = err.findIndex((l) =>
      /^perceiver-studio: interrupted at epoch \d+ \(step \d+ overall\); checkpoint written to .*epoch-\d{4}(-step-\d{6})?\. Resume with:$/.test(
        l,
      ),
    );
    expect(at, err.join('\n')).toBeGreaterThanOrEqual(0);
    const resumeLine = err[at + 1]!.trim();
    expect(resumeLine).toBe(
      `perceiver-studio train ${fixture('tabular-test.json')} --data ${join(dir, 'blobs.csv')} --target species --epochs 400 --batch-size 4 --resume ${ck}`,
    );
    const latest = JSON.parse(readFileSync(join(ck, 'latest.json'), 'utf8')) as { path: string };
    // Mid-epoch as a rule; an interrupt that lands between two epochs writes that epoch's own checkpoint.
    expect(latest.path).toMatch(/^epoch-\d{4}(-step-\d{6})?$/);
    // graph.json and model-info.json beside the checkpoints: export --weights and predict read the folder.
    expect(readdirSync(ck)).toEqual(expect.arrayContaining(['graph.json', 'model-info.json', 'latest.json']));

    // The printed command (with fewer epochs, to finish quickly: one past the interrupted epoch)
    // continues from the stop.
    const stoppedIn = Number(/interrupted at epoch (\d+)/.exec(err[at]!)![1]);
    const resumed = run([
      ...resumeLine
        .replace(/^perceiver-studio /, '')
        .replace('--epochs 400', `--epochs ${stoppedIn + 1}`)
        .split(' '),
    ]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/resuming from .* after epoch \d+ \(step \d+\)/);
  }, 60_000);

  it('without --checkpoints: exits 130 and says nothing was saved', async () => {
    const r = await trainAndInterrupt([
      'train',
      fixture('tabular-test.json'),
      '--data',
      join(dir, 'blobs.csv'),
      '--target',
      'species',
      '--epochs',
      '400',
      '--batch-size',
      '4',
    ]);
    expect(r.code).toBe(130);
    expect(
      errLines(r.stderr).some((l) =>
        /^perceiver-studio: interrupted at epoch \d+ \(step \d+ overall\); nothing was saved \(train with --checkpoints DIR to be able to resume\)$/.test(
          l,
        ),
      ),
    ).toBe(true);
  }, 60_000);
});
