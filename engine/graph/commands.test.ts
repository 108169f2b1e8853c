import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyse } from './analyse.js';
import {
  applyCommand,
  canConnect,
  CommandError,
  copySelection,
  insertOnEdgeCommand,
  createHistory,
  deleteAndReconnectCommand,
  newNode,
  pasteCommand,
  perform,
  redo,
  undo,
  type Command,
  type History,
} from './commands.js';
import { loadGraphDoc, serializeGraphDoc } from './load.js';

const template = loadGraphDoc(readFileSync(join(__dirname, '../../templates/mnist-perceiver-io.json'), 'utf8'));

describe('edit commands', () => {
  it('adds, moves, sets params and removes nodes without touching the input document', () => {
    const before = serializeGraphDoc(template);
    const n = newNode(template, 'LatentStack', { x: 10, y: 20 });
    expect(n.id).toBe('latentStack');
    let doc = applyCommand(template, { type: 'addNode', node: n });
    doc = applyCommand(doc, { type: 'moveNodes', moves: [{ id: n.id, position: { x: 5, y: 6 } }] });
    doc = applyCommand(doc, { type: 'setParam', id: n.id, key: 'heads', value: 2 });
    expect(doc.nodes.find((x) => x.id === n.id)).toMatchObject({ position: { x: 5, y: 6 }, params: { heads: 2 } });
    doc = applyCommand(doc, { type: 'setParam', id: n.id, key: 'heads', value: undefined });
    expect(doc.nodes.find((x) => x.id === n.id)!.params).toEqual({});
    doc = applyCommand(doc, { type: 'removeNodes', ids: ['stack'] });
    expect(doc.nodes.some((x) => x.id === 'stack')).toBe(false);
    expect(doc.edges.some((e) => e.source.node === 'stack' || e.target.node === 'stack')).toBe(false);
    expect(serializeGraphDoc(template)).toBe(before);
  });

  it('refuses wires with the reason: port taken, cycle, wrong rank, self', () => {
    const taken = canConnect(template, { node: 'latents', port: 'out' }, { node: 'stack', port: 'in' });
    expect(taken).toEqual({ ok: false, reason: expect.stringMatching(/already connected.*from "encoder"/) });

    const open = applyCommand(template, { type: 'disconnect', ids: ['e5'] });
    const cycle = canConnect(open, { node: 'head', port: 'out' }, { node: 'stack', port: 'in' });
    expect(cycle.ok).toBe(false);
    // head → stack is also a rank problem, but the cycle is found first.
    const cyc2 = canConnect(
      applyCommand(open, { type: 'disconnect', ids: ['e7'] }),
      { node: 'stack', port: 'out' },
      { node: 'stack', port: 'in' },
    );
    expect(cyc2).toEqual({ ok: false, reason: expect.stringMatching(/cycle/) });

    const a = applyCommand(template, { type: 'disconnect', ids: ['e4'] });
    const rank = canConnect(a, { node: 'patches', port: 'out' }, { node: 'encoder', port: 'kv' });
    expect(rank).toEqual({ ok: false, reason: expect.stringMatching(/Wrong rank.*\[B, 7, 7, 16\] has rank 3/) });
    expect(canConnect(a, { node: 'fourier', port: 'out' }, { node: 'encoder', port: 'kv' })).toEqual({ ok: true });
    expect(() =>
      applyCommand(a, {
        type: 'connect',
        edge: { id: 'x', source: { node: 'patches', port: 'out' }, target: { node: 'encoder', port: 'kv' } },
      }),
    ).toThrow(CommandError);
  });

  it('copy/paste gives fresh ids, keeps inner wires and pastes into another graph', () => {
    const clip = copySelection(template, ['encoder', 'stack', 'latents']);
    expect(clip.edges.map((e) => e.id).sort()).toEqual(['e3', 'e5']);
    const { command, newIds } = pasteCommand(template, clip, { x: 40, y: 40 });
    const doc = applyCommand(template, command);
    expect(newIds).toEqual(['latents_2', 'encoder_2', 'stack_2']);
    expect(doc.nodes.length).toBe(template.nodes.length + 3);
    expect(doc.edges.length).toBe(template.edges.length + 2);
    const twice = applyCommand(doc, pasteCommand(doc, clip, { x: 80, y: 80 }).command);
    expect(twice.nodes.map((n) => n.id)).toContain('encoder_3');
    const empty = { ...template, nodes: [], edges: [] };
    expect(applyCommand(empty, pasteCommand(empty, clip, { x: 0, y: 0 }).command).nodes.map((n) => n.id)).toEqual([
      'latents',
      'encoder',
      'stack',
    ]);
  });

  it('groups and ungroups; deleting the last member removes the group', () => {
    let doc = applyCommand(template, {
      type: 'group',
      group: { id: 'g1', label: 'cross-attend + latent stack', collapsed: false },
      nodeIds: ['encoder', 'stack'],
    });
    expect(doc.nodes.filter((n) => n.group === 'g1').map((n) => n.id)).toEqual(['encoder', 'stack']);
    doc = applyCommand(doc, { type: 'setGroup', groupId: 'g1', collapsed: true });
    expect(doc.groups[0]!.collapsed).toBe(true);
    expect(applyCommand(doc, { type: 'ungroup', groupId: 'g1' }).nodes.some((n) => n.group)).toBe(false);
    expect(applyCommand(doc, { type: 'removeNodes', ids: ['encoder', 'stack'] }).groups).toEqual([]);
  });

  it('delete-and-reconnect bridges a chain node', () => {
    const doc = applyCommand(template, deleteAndReconnectCommand(template, ['stack']));
    expect(
      doc.edges.some((e) => e.source.node === 'encoder' && e.target.node === 'decoder' && e.target.port === 'kv'),
    ).toBe(true);
    expect(analyse(doc).valid).toBe(true);
  });

  it('dropping a node on a wire inserts it when it fits, else only adds it', () => {
    const n = newNode(template, 'LatentStack', { x: 0, y: 0 });
    const { command, inserted } = insertOnEdgeCommand(template, n, 'e5');
    expect(inserted).toBe(true);
    const doc = applyCommand(template, command);
    expect(doc.edges.some((e) => e.id === 'e5')).toBe(false);
    expect(
      doc.edges
        .filter((e) => e.source.node === n.id || e.target.node === n.id)
        .map((e) => `${e.source.node}>${e.target.node}`)
        .sort(),
    ).toEqual(['encoder>latentStack', 'latentStack>stack']);
    expect(analyse(doc).valid).toBe(true);
    // A latent stack cannot sit between the image and the patches (rank 3 image).
    const r = insertOnEdgeCommand(template, n, 'e1');
    expect(r.inserted).toBe(false);
    expect(applyCommand(template, r.command).edges).toHaveLength(template.edges.length);
  });

  it('undo/redo of any sequence of edits returns to the exact starting document', () => {
    const kinds = ['LatentStack', 'CrossAttention', 'LatentArray', 'ImagePatches'];
    const arb = fc.array(
      fc.oneof(
        fc.record({
          t: fc.constant('add' as const),
          k: fc.integer({ min: 0, max: kinds.length - 1 }),
          x: fc.integer({ min: -500, max: 500 }),
        }),
        fc.record({ t: fc.constant('move' as const), i: fc.nat(), x: fc.integer({ min: -500, max: 500 }) }),
        fc.record({ t: fc.constant('param' as const), i: fc.nat(), v: fc.integer({ min: 1, max: 8 }) }),
        fc.record({ t: fc.constant('delete' as const), i: fc.nat() }),
        fc.record({ t: fc.constant('disconnect' as const), i: fc.nat() }),
      ),
      { minLength: 1, maxLength: 25 },
    );
    fc.assert(
      fc.property(arb, (ops) => {
        let h: History = createHistory(template);
        const start = serializeGraphDoc(template);
        const states = [start];
        for (const op of ops) {
          const d = h.present;
          let cmd: Command | undefined;
          if (op.t === 'add') cmd = { type: 'addNode', node: newNode(d, kinds[op.k]!, { x: op.x, y: 0 }) };
          else if (d.nodes.length && op.t === 'move')
            cmd = {
              type: 'moveNodes',
              moves: [{ id: d.nodes[op.i % d.nodes.length]!.id, position: { x: op.x, y: op.x } }],
            };
          else if (d.nodes.length && op.t === 'param')
            cmd = { type: 'setParam', id: d.nodes[op.i % d.nodes.length]!.id, key: 'heads', value: op.v };
          else if (d.nodes.length && op.t === 'delete')
            cmd = { type: 'removeNodes', ids: [d.nodes[op.i % d.nodes.length]!.id] };
          else if (d.edges.length && op.t === 'disconnect')
            cmd = { type: 'disconnect', ids: [d.edges[op.i % d.edges.length]!.id] };
          if (!cmd) continue;
          h = perform(h, cmd);
          states.push(serializeGraphDoc(h.present));
        }
        for (let i = states.length - 1; i > 0; i--) {
          expect(serializeGraphDoc(h.present)).toBe(states[i]);
          h = undo(h);
        }
        expect(serializeGraphDoc(h.present)).toBe(start);
        expect(h.present).toBe(template);
        for (let i = 1; i < states.length; i++) {
          h = redo(h);
          expect(serializeGraphDoc(h.present)).toBe(states[i]);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('a refused command leaves history unchanged and names the problem', () => {
    const h = createHistory(template);
    expect(() => perform(h, { type: 'removeNodes', ids: ['nope'] })).toThrow(/no node "nope"/);
    expect(() =>
      perform(h, { type: 'addNode', node: { id: 'head', kind: 'LatentStack', params: {}, position: { x: 0, y: 0 } } }),
    ).toThrow(/already exists/);
    expect(h.past).toEqual([]);
  });
});
