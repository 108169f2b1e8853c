import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyse } from './analyse.js';
import { loadGraphDoc } from './load.js';
import type { GraphDoc } from './schema.js';

const template = (): GraphDoc =>
  loadGraphDoc(readFileSync(join(__dirname, '../../templates/mnist-perceiver-io.json'), 'utf8'));

/** A deep copy with a node's params changed. */
function withParams(doc: GraphDoc, id: string, params: Record<string, unknown>): GraphDoc {
  const d = structuredClone(doc);
  const n = d.nodes.find((x) => x.id === id)!;
  n.params = { ...n.params, ...params };
  return d;
}
const errors = (doc: GraphDoc) => analyse(doc).problems.filter((p) => p.severity === 'error');

describe('analyse: the default template (docs/ARCHITECTURE.md §B.6)', () => {
  it('counts exactly 96,292 parameters with the per-node counts of the hand count', () => {
    const a = analyse(template());
    expect(a.valid).toBe(true);
    expect(a.totals.params).toBe(96_292);
    const per = Object.fromEntries([...a.nodes].map(([id, n]) => [id, n.cost.params]));
    expect(per).toEqual({
      image: 0,
      patches: 0,
      fourier: 0,
      latents: 2_048,
      encoder: 17_754,
      stack: 50_432,
      query: 64,
      decoder: 25_344,
      head: 650,
    });
  });

  it('infers the shapes of docs/ARCHITECTURE.md §B.6', () => {
    const a = analyse(template());
    const out = (id: string) => a.nodes.get(id)!.outputShapes.out;
    expect(out('image')).toEqual([28, 28, 1]);
    expect(out('patches')).toEqual([7, 7, 16]);
    expect(out('fourier')).toEqual([49, 42]);
    expect(out('encoder')).toEqual([32, 64]);
    expect(out('decoder')).toEqual([1, 64]);
    expect(out('head')).toEqual([10]);
    expect(a.heads).toEqual([{ nodeId: 'head', loss: { type: 'classification', classes: 10 } }]);
    expect(a.modelInputs).toEqual(['image']);
  });

  it('counts FLOPs and activation memory, the cross-attention logits included', () => {
    const a = analyse(template());
    const enc = a.nodes.get('encoder')!.cost;
    // logits and probabilities [h=1, N=32, M=49] alone, float32
    expect(enc.activationBytes).toBeGreaterThan(2 * 32 * 49 * 4);
    // At least the q/k/v/o projections: 2·(32·64·42 + 49·42·42·2 + 32·42·64)
    expect(enc.flops).toBeGreaterThan(2 * (32 * 64 * 42 + 2 * 49 * 42 * 42 + 32 * 42 * 64));
    expect(a.totals.flops).toBe([...a.nodes.values()].reduce((s, n) => s + n.cost.flops, 0));
  });
});

describe('analyse: errors name the node, port or parameter', () => {
  it('reports a cycle', () => {
    const d = template();
    d.edges.push({ id: 'back', source: { node: 'stack', port: 'out' }, target: { node: 'encoder', port: 'q' } });
    d.edges = d.edges.filter((e) => e.id !== 'e3');
    const errs = errors(d);
    expect(errs.some((p) => p.nodeId === 'encoder' && /cycle/.test(p.message))).toBe(true);
    expect(errs.some((p) => p.nodeId === 'stack' && /cycle/.test(p.message))).toBe(true);
  });

  it('reports a wire to a missing node', () => {
    const d = template();
    d.edges.push({ id: 'ghost', source: { node: 'nowhere', port: 'out' }, target: { node: 'head', port: 'in' } });
    const e = errors(d).find((p) => p.edgeId === 'ghost')!;
    expect(e.message).toMatch(/missing node "nowhere"/);
  });

  it('reports a wire from a port that does not exist', () => {
    const d = template();
    d.edges.find((e) => e.id === 'e8')!.source.port = 'logits';
    const e = errors(d).find((p) => p.edgeId === 'e8')!;
    expect(e).toMatchObject({ nodeId: 'decoder', port: 'logits' });
    expect(e.message).toMatch(/has no output "logits"/);
  });

  it('reports a missing input with the port', () => {
    const d = template();
    d.edges = d.edges.filter((e) => e.id !== 'e6');
    const e = errors(d).find((p) => p.nodeId === 'decoder')!;
    expect(e.port).toBe('q');
    expect(e.message).toMatch(/Decoder cross-attention "decoder": connect output queries/);
  });

  it('reports a rank mismatch with both shapes', () => {
    const d = template();
    const e4 = d.edges.find((e) => e.id === 'e4')!;
    e4.source = { node: 'patches', port: 'out' }; // [7,7,16] into a rank-2 tokens port
    d.edges = d.edges.filter((e) => e.id !== 'e2');
    const e = errors(d).find((p) => p.nodeId === 'encoder' && p.port === 'kv')!;
    expect(e.message).toMatch(/expects rank 2/);
    expect(e.message).toMatch(/\[B, 7, 7, 16\]/);
  });

  it('reports a bad parameter type naming the parameter', () => {
    const e = errors(withParams(template(), 'latents', { numLatents: 'many' }))[0]!;
    expect(e).toMatchObject({ nodeId: 'latents', param: 'numLatents' });
    expect(e.message).toMatch(/Latent array "latents": numLatents/);
  });

  it('reports unknown parameter keys', () => {
    const e = errors(withParams(template(), 'stack', { layers: 3 }))[0]!;
    expect(e.nodeId).toBe('stack');
    expect(e.message).toMatch(/unknown parameter "layers"/);
  });

  it('reports an absurd size as a parameter error', () => {
    const e = errors(withParams(template(), 'latents', { numLatents: 1e12 }))[0]!;
    expect(e).toMatchObject({ nodeId: 'latents', param: 'numLatents' });
  });

  it('reports an unknown kind', () => {
    const d = template();
    d.nodes.find((n) => n.id === 'head')!.kind = 'Softmaxer';
    const e = errors(d).find((p) => p.nodeId === 'head')!;
    expect(e.message).toMatch(/unknown kind "Softmaxer"/);
  });

  it('says which head counts divide qk_channels', () => {
    const e = errors(withParams(template(), 'encoder', { heads: 4 }))[0]!;
    expect(e).toMatchObject({ nodeId: 'encoder', param: 'heads' });
    expect(e.message).toContain('qk_channels 42 is not divisible by 4 heads; use 1, 2, 3, 6, 7, 14, 21, 42');
  });

  it('reports two wires into one input', () => {
    const d = template();
    d.edges.push({ id: 'dup', source: { node: 'latents', port: 'out' }, target: { node: 'stack', port: 'in' } });
    expect(errors(d).find((p) => p.edgeId === 'dup')!.message).toMatch(/has two wires/);
  });

  it('marks everything downstream of an error as not ready without piling up messages', () => {
    const a = analyse(withParams(template(), 'encoder', { heads: 5 }));
    expect(a.nodes.get('stack')!.ready).toBe(false);
    expect(a.problems.filter((p) => p.severity === 'error')).toHaveLength(1);
  });
});

describe('analyse: warnings', () => {
  it('warns when a cross-attention needs more than 1 GiB of logits per example', () => {
    const d = withParams(template(), 'image', { height: 1024, width: 1024 });
    const patches = d.nodes.find((n) => n.id === 'patches')!;
    patches.params = { spatialDownsample: 1 };
    const latents = d.nodes.find((n) => n.id === 'latents')!;
    latents.params = { numLatents: 512, channels: 64 };
    const a = analyse(d);
    expect(a.valid).toBe(true);
    expect(
      a.problems.some((p) => p.severity === 'warning' && p.nodeId === 'encoder' && /GiB per example/.test(p.message)),
    ).toBe(true);
  });
});

describe('analyse: a 300-node graph', () => {
  /** The default template with a 291-layer chain of latent stacks between encoder and decoder. */
  function big(): GraphDoc {
    const d = template();
    d.edges = d.edges.filter((e) => e.id !== 'e7');
    let prev = 'stack';
    for (let i = 0; i < 291; i++) {
      const id = `s${i}`;
      d.nodes.push({
        id,
        kind: 'LatentStack',
        params: { layersPerBlock: 1, blocks: 1, heads: 4 },
        position: { x: 0, y: 0 },
      });
      d.edges.push({ id: `c${i}`, source: { node: prev, port: 'out' }, target: { node: id, port: 'in' } });
      prev = id;
    }
    d.edges.push({ id: 'last', source: { node: prev, port: 'out' }, target: { node: 'decoder', port: 'kv' } });
    return d;
  }

  it('is analysed correctly (timing printed, not asserted: a benchmark, not a timed test)', () => {
    const d = big();
    expect(d.nodes).toHaveLength(300);
    const a = analyse(d);
    expect(a.valid).toBe(true);
    expect(a.totals.params).toBe(96_292 + 291 * 25_216);
    // Cold: fresh params objects each run (no parse cache); warm: the same document again.
    const cold: number[] = [];
    const warm: number[] = [];
    for (let r = 0; r < 100; r++) {
      const fresh = structuredClone(d);
      let t = performance.now();
      analyse(fresh);
      cold.push(performance.now() - t);
      t = performance.now();
      analyse(fresh);
      warm.push(performance.now() - t);
    }
    const median = (x: number[]) => [...x].sort((p, q) => p - q)[x.length >> 1]!;
    console.log(
      `analyse(300 nodes): first ${cold[0]!.toFixed(1)} ms (schema JIT), median cold ${median(cold).toFixed(2)} ms, warm ${median(warm).toFixed(2)} ms`,
    );
  });
});
