/**
 * How compute and memory grow with the input length M: the current Perceiver (latents attend to
 * the M inputs: O(M·N)) against a plain transformer that runs the same latent processing over
 * the M inputs themselves (O(M²)). Every number comes from the kinds' own `cost()` — the model
 * the analyser uses — evaluated at other input lengths; nothing here knows a kind by name.
 */
import type { Analysis } from '../../engine/graph/analyse';
import type { GraphDoc } from '../../engine/graph/schema';
import { getKind } from '../../engine/kinds/registry';
import type { Cost, KindDefinition, Shape } from '../../engine/kinds/types';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyKind = KindDefinition<any>;

export interface ScalingPoint {
  m: number;
  perceiverFlops: number;
  transformerFlops: number;
  perceiverBytes: number;
  transformerBytes: number;
}

export interface Scaling {
  encoderId: string;
  latentIds: string[];
  /** Input tokens M and latents N of the current graph. */
  currentM: number;
  latents: number;
  points: ScalingPoint[];
  /** Smallest M (of those evaluated) where the transformer costs more FLOPs; null if none. */
  crossover: number | null;
}

function costAt(kind: AnyKind, params: Record<string, unknown>, inputs: Record<string, Shape>): Cost | null {
  const r = kind.inferShape(params, inputs);
  return r.ok ? kind.cost(params, inputs, r.outputs) : null;
}

export function costScaling(doc: GraphDoc, analysis: Analysis, ms: readonly number[]): Scaling | { error: string } {
  // The encoder: a node with a latents input and a tokens input (port types from the registry).
  let encoderId: string | undefined;
  for (const id of analysis.order) {
    const kind = getKind(analysis.nodes.get(id)!.kind);
    if (!kind) continue;
    const lat = kind.inputs.find((p) => p.type === 'latents');
    const tok = kind.inputs.find((p) => p.type === 'tokens');
    const na = analysis.nodes.get(id)!;
    if (
      lat &&
      tok &&
      na.inputShapes[lat.name] &&
      na.inputShapes[tok.name] &&
      kind.outputs.some((p) => p.type === 'latents')
    ) {
      encoderId = id;
      break;
    }
  }
  if (!encoderId)
    return { error: 'No encoder found: connect input tokens and a latent array to a cross-attention node.' };
  if (!analysis.valid) return { error: 'Fix the graph’s errors first; the cost view needs every shape.' };
  const enc = analysis.nodes.get(encoderId)!;
  const encKind = getKind(enc.kind)!;
  const latPort = encKind.inputs.find((p) => p.type === 'latents')!.name;
  const tokPort = encKind.inputs.find((p) => p.type === 'tokens')!.name;
  const [n, d] = enc.inputShapes[latPort]!;
  const [m0, c] = enc.inputShapes[tokPort]!;

  // Latent processing: nodes that take latents in and give latents out through one input.
  const latentIds = analysis.order.filter((id) => {
    const k = getKind(analysis.nodes.get(id)!.kind);
    return (
      id !== encoderId &&
      k &&
      k.inputs.length === 1 &&
      k.inputs[0]!.type === 'latents' &&
      k.outputs.every((p) => p.type === 'latents')
    );
  });
  const latentCost = latentIds.reduce(
    (s, id) => {
      const c2 = analysis.nodes.get(id)!.cost;
      return { flops: s.flops + c2.flops, bytes: s.bytes + c2.activationBytes };
    },
    { flops: 0, bytes: 0 },
  );
  const rest = {
    flops: analysis.totals.flops - enc.cost.flops - latentCost.flops,
    bytes: analysis.totals.activationBytes - enc.cost.activationBytes - latentCost.bytes,
  };

  const points: ScalingPoint[] = [];
  for (const m of ms) {
    const encAt = costAt(encKind, enc.params!, {
      ...enc.inputShapes,
      [latPort]: [n!, d!],
      [tokPort]: [m, c!],
    } as Record<string, Shape>);
    if (!encAt) continue;
    // The transformer: project the M tokens to width D, then the same latent processing over them.
    let tFlops = 2 * m * c! * d!;
    let tBytes = 4 * m * d!;
    let ok = true;
    for (const id of latentIds) {
      const na = analysis.nodes.get(id)!;
      const k = getKind(na.kind)!;
      const at = costAt(k, na.params!, { [k.inputs[0]!.name]: [m, d!] });
      if (!at) {
        ok = false;
        break;
      }
      tFlops += at.flops;
      tBytes += at.activationBytes;
    }
    if (!ok) continue;
    points.push({
      m,
      perceiverFlops: rest.flops + encAt.flops + latentCost.flops,
      perceiverBytes: rest.bytes + encAt.activationBytes + latentCost.bytes,
      transformerFlops: rest.flops + tFlops,
      transformerBytes: rest.bytes + tBytes,
    });
  }
  const crossover = points.find((p) => p.transformerFlops > p.perceiverFlops)?.m ?? null;
  return { encoderId, latentIds, currentM: m0!, latents: n!, points, crossover };
}

/** M = 16 … 65,536 on a log grid, plus the current M. */
export function defaultMs(current: number): number[] {
  const out = new Set<number>([current]);
  for (let e = 4; e <= 16; e += 0.5) out.add(Math.round(2 ** e));
  return [...out].sort((a, b) => a - b);
}
