/**
 * The contract every node kind implements: one definition object per kind (tldraw's shape utils,
 * tfjs-layers' computeOutputShape). No tfjs here: kinds describe, engine/compile builds.
 */
import type { z } from 'zod';

/** A tensor shape without the batch axis (the batch is symbolic everywhere: "B"). */
export type Shape = readonly number[];

export type Category = 'input' | 'position' | 'latent' | 'attention' | 'query' | 'head' | 'utility';

export const CATEGORY_LABELS: Record<Category, string> = {
  input: 'Inputs & preprocessing',
  position: 'Position encodings',
  latent: 'Latents',
  attention: 'Attention',
  query: 'Output queries',
  head: 'Heads',
  utility: 'Utilities',
};

/** What a port carries; the editor colours ports by it and checks ranks while wiring. */
export type PortType = 'image' | 'tokens' | 'latents' | 'queries' | 'logits' | 'any';

export interface PortDef {
  name: string;
  label: string;
  type: PortType;
  /** Allowed ranks (without batch). Omitted: any rank ≥ 1. */
  ranks?: readonly number[];
  /** Optional inputs may stay unconnected. */
  optional?: boolean;
  description: string;
}

export interface KindError {
  message: string;
  /** The parameter at fault, when one is (the inspector marks that field). */
  param?: string;
  /** The port at fault, when one is. */
  port?: string;
}

export interface Cost {
  /** Trainable + non-trainable parameters this node owns (shared weights counted once). */
  params: number;
  /** Floating-point operations per example for a forward pass (multiply-add = 2). */
  flops: number;
  /** Activation memory per example in bytes (float32), attention logits included. */
  activationBytes: number;
}

export type InferResult = { ok: true; outputs: Record<string, Shape> } | { ok: false; error: KindError };

/** The loss a head implies for training. */
export type HeadLoss =
  | { type: 'classification'; classes: number }
  | { type: 'regression'; channels: number }
  | { type: 'tokenClassification'; classes: number };

/** What a model input is fed, per example (without the batch axis). */
export interface ModelInputSpec {
  shape: number[];
  dtype: 'float32' | 'int32';
}

export interface KindDefinition<P extends Record<string, unknown> = Record<string, unknown>> {
  kind: string;
  /** Version of this kind's params format, from 1; saved on nodes as `kindVersion` when above 1. */
  version: number;
  category: Category;
  title: string;
  /** One line for the palette. */
  summary: string;
  /** The maths in a line or two, for the help card. */
  maths: string;
  /** Which reference implementation it follows. */
  reference: string;
  inputs: readonly PortDef[];
  outputs: readonly PortDef[];
  /** zod schema with defaults and a .describe() per field (the inspector is generated from it). */
  params: z.ZodType<P>;
  /** Output shapes from input shapes, or an error naming the port or parameter. */
  inferShape(params: P, inputs: Record<string, Shape | undefined>): InferResult;
  cost(params: P, inputs: Record<string, Shape | undefined>, outputs: Record<string, Shape>): Cost;
  /** Short text of the key parameters for the node face. */
  describe(params: P): string;
  /** Present on heads: the loss training uses. */
  loss?(params: P, outputs: Record<string, Shape>): HeadLoss;
  /** Present on model inputs: the data the node expects. */
  isModelInput?: true;
  /**
   * Model inputs that transform their data (text ids → embeddings, a table row → tokens) say
   * what the model is fed; without it the fed tensor is the node's `out` shape, float32.
   */
  modelInput?(params: P): ModelInputSpec;
  /**
   * Upgrades of saved params: `migrations[v]` turns params written for version v of this kind
   * into version v + 1 (e.g. renames a parameter). Bump `version` and add the step whenever a
   * change would make old files invalid; loading runs the steps from a node's `kindVersion`
   * (absent: 1) up to `version` (engine/graph/load.ts migrateKindParams).
   */
  migrations?: Record<number, (params: Record<string, unknown>) => Record<string, unknown>>;
  /** Non-fatal advice for legal but suspicious choices. */
  warnings?(params: P, inputs: Record<string, Shape | undefined>, outputs: Record<string, Shape>, cost: Cost): string[];
}

export function ok(outputs: Record<string, Shape>): InferResult {
  return { ok: true, outputs };
}
export function fail(message: string, where: { param?: string; port?: string } = {}): InferResult {
  return { ok: false, error: { message, ...where } };
}

export const prod = (s: Shape): number => s.reduce((a, b) => a * b, 1);

/** Parameters of a Linear(in → out) with bias. */
export const linearParams = (inp: number, out: number): number => inp * out + out;
/** Parameters of a LayerNorm over d channels (scale + offset). */
export const layerNormParams = (d: number): number => 2 * d;

export function divisors(n: number, limit = 8): number[] {
  const out: number[] = [];
  for (let i = 1; i <= n && out.length < limit; i++) if (n % i === 0) out.push(i);
  return out;
}

/** Output size of a SAME-padded strided op: ⌈n / stride⌉ (TF/Haiku convention). */
export const sameOut = (n: number, stride: number): number => Math.ceil(n / stride);

/** Shape text for messages, e.g. "[7, 7, 16]". */
export const shapeText = (s: readonly number[] | undefined): string => (s ? `[${s.join(', ')}]` : '[?]');
