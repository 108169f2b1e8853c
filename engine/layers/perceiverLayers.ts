/**
 * The Perceiver blocks as tfjs custom layers, registered for serialization so model.save() and
 * tf.loadLayersModel() round-trip, and so an exported model loads in any page that imports this
 * module (see engine/layers/index.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { attend, broadcastBatch, gelu, layerNorm, linear, linearMany } from './ops.js';
import { fourierChannels } from '../kinds/fourierChannels.js';

/** tfjs does not export the Initializer class type by name. */
export type Initializer = ReturnType<typeof tf.initializers.zeros>;

export type Kwargs = { training?: boolean } & Record<string, unknown>;
export type LayerArgs = ConstructorParameters<typeof tf.layers.Layer>[0];

/** Haiku-style fan-in init: truncated normal with σ = 1/(0.87962566·√fan_in) (docs/ARCHITECTURE.md §A.0). */
export function fanInInit(fanIn: number, seed: number | undefined): Initializer {
  return tf.initializers.truncatedNormal({ mean: 0, stddev: 1 / (0.87962566 * Math.sqrt(fanIn)), seed });
}

let seedCounter = 0;
/** A fresh weight seed derived from the graph seed (deterministic per compile). */
export function nextSeed(base: number | undefined): number | undefined {
  return base === undefined ? undefined : base + 7919 * ++seedCounter;
}
/** Reset the per-process weight-seed counter so the same graph and seed give the same weights. */
export function resetLayerSeeds(): void {
  seedCounter = 0;
}

export function asTensor(x: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(x) ? x[0]! : x;
}

// ---------------------------------------------------------------------------------------------
/** Attention recorder: when set, attention layers hand it their probabilities [B, h, Tq, Tk]. */
export type AttentionRecorder = (layerName: string, probs: tf.Tensor) => void;
let recorder: AttentionRecorder | null = null;
export function setAttentionRecorder(r: AttentionRecorder | null): void {
  recorder = r;
}

// ---------------------------------------------------------------------------------------------
export interface TrainableArrayConfig {
  rows: number;
  channels: number;
  initScale: number;
  seed?: number;
}

/** A learned [rows, channels] array broadcast over the batch of its (data) input. */
export class TrainableArray extends tf.layers.Layer {
  static className = 'PerceiverTrainableArray';
  private readonly cfg: TrainableArrayConfig;
  private array!: tf.LayerVariable;
  constructor(cfg: TrainableArrayConfig & LayerArgs) {
    super(cfg);
    this.cfg = { rows: cfg.rows, channels: cfg.channels, initScale: cfg.initScale, seed: cfg.seed };
  }
  override build(): void {
    this.array = this.addWeight(
      'array',
      [this.cfg.rows, this.cfg.channels],
      'float32',
      tf.initializers.truncatedNormal({ mean: 0, stddev: this.cfg.initScale, seed: nextSeed(this.cfg.seed) }),
    );
    this.built = true;
  }
  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [s[0]!, this.cfg.rows, this.cfg.channels];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => broadcastBatch(this.array.read(), asTensor(inputs)));
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...this.cfg } as unknown as tf.serialization.ConfigDict;
  }
}

// ---------------------------------------------------------------------------------------------
export interface SpaceToDepthConfig {
  spatial: number;
  temporal: number;
  linearChannels: number;
  /** Video whose frames fold into one (T = t): drop the time axis, as DM does for flow. */
  squeezeTime?: boolean;
  seed?: number;
}

/** [B,H,W,C] → [B,H/s,W/s,s·s·C] in DM's (dh, dw, c) order; video [B,T,H,W,C] likewise. */
export class SpaceToDepth extends tf.layers.Layer {
  static className = 'PerceiverSpaceToDepth';
  private readonly cfg: SpaceToDepthConfig;
  private w?: tf.LayerVariable;
  private b?: tf.LayerVariable;
  constructor(cfg: SpaceToDepthConfig & LayerArgs) {
    super(cfg);
    this.cfg = {
      spatial: cfg.spatial,
      temporal: cfg.temporal,
      linearChannels: cfg.linearChannels,
      squeezeTime: cfg.squeezeTime ?? false,
      seed: cfg.seed,
    };
  }
  private rawChannels(s: tf.Shape): number {
    return this.cfg.spatial * this.cfg.spatial * this.cfg.temporal * (s[s.length - 1] as number);
  }
  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const raw = this.rawChannels(inputShape as tf.Shape);
    if (this.cfg.linearChannels > 0) {
      this.w = this.addWeight(
        'kernel',
        [raw, this.cfg.linearChannels],
        'float32',
        fanInInit(raw, nextSeed(this.cfg.seed)),
      );
      this.b = this.addWeight('bias', [this.cfg.linearChannels], 'float32', tf.initializers.zeros());
    }
    this.built = true;
  }
  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = inputShape as tf.Shape;
    const { spatial: sp, temporal: t } = this.cfg;
    const ch = this.cfg.linearChannels > 0 ? this.cfg.linearChannels : this.rawChannels(s);
    if (s.length === 5 && this.cfg.squeezeTime) return [s[0]!, (s[2] as number) / sp, (s[3] as number) / sp, ch];
    if (s.length === 5) return [s[0]!, (s[1] as number) / t, (s[2] as number) / sp, (s[3] as number) / sp, ch];
    return [s[0]!, (s[1] as number) / sp, (s[2] as number) / sp, ch];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = asTensor(inputs);
      const s = this.cfg.spatial;
      let y: tf.Tensor;
      if (x.rank === 4) {
        const [b, h, w, c] = x.shape as number[];
        y = tf.reshape(x, [b!, h! / s, s, w! / s, s, c!]);
        y = tf.transpose(y, [0, 1, 3, 2, 4, 5]);
        y = tf.reshape(y, [b!, h! / s, w! / s, s * s * c!]);
      } else {
        // Video: fold time first (t frames side by side in channels), then space.
        const [b, T, h, w, c] = x.shape as number[];
        const t = this.cfg.temporal;
        y = tf.reshape(x, [b! * (T! / t), t, h!, w!, c!]);
        y = tf.transpose(y, [0, 2, 3, 1, 4]); // [b·T/t, h, w, t, c]
        y = tf.reshape(y, [b! * (T! / t), h! / s, s, w! / s, s * t * c!]);
        y = tf.transpose(y, [0, 1, 3, 2, 4]);
        y = tf.reshape(y, [b!, T! / t, h! / s, w! / s, s * s * t * c!]);
      }
      if (this.w) y = linear(y, this.w.read(), this.b!.read());
      if (this.cfg.squeezeTime && y.rank === 5) y = tf.squeeze(y, [1]);
      return y;
    });
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...this.cfg } as unknown as tf.serialization.ConfigDict;
  }
}

// ---------------------------------------------------------------------------------------------
export interface FourierConfig {
  indexDims: number[];
  numBands: number;
  maxResolution: number[];
  concatPos: boolean;
  sineOnly: boolean;
  combine: 'concat' | 'add';
}

/**
 * Fourier position features for a grid (docs/ARCHITECTURE.md §A.2): positions linspace(−1,1,n) per dim,
 * frequencies linspace(1, max_res/2, K), channels [x_1..x_d, sin(all dims), cos(all dims)].
 * Returned as a Float32Array [M, channels], computed once. With `range`, only the flat indices
 * start … start+count−1 (or the listed `indices`), at DM's subsampled positions −1 + 2·i/n
 * (docs/ARCHITECTURE.md §A.2 rule 7).
 */
export function fourierFeatures(
  cfg: Omit<FourierConfig, 'combine'>,
  range?: { start: number; count: number; indices?: readonly number[] },
): { data: Float32Array; channels: number } {
  const d = cfg.indexDims.length;
  const K = cfg.numBands;
  const total = cfg.indexDims.reduce((a, b) => a * b, 1);
  const start = range?.start ?? 0;
  const indices = range?.indices;
  const m = indices ? indices.length : (range?.count ?? total);
  const channels = (cfg.concatPos ? d : 0) + d * K * (cfg.sineOnly ? 1 : 2);
  const data = new Float32Array(m * channels);
  const pos = new Float64Array(d);
  for (let row = 0; row < m; row++) {
    let rem = indices ? indices[row]! : start + row;
    for (let j = d - 1; j >= 0; j--) {
      const n = cfg.indexDims[j]!;
      const i = rem % n;
      rem = Math.floor(rem / n);
      pos[j] = range ? -1 + (2 * i) / n : n === 1 ? -1 : -1 + (2 * i) / (n - 1);
    }
    let c = row * channels;
    if (cfg.concatPos) for (let j = 0; j < d; j++) data[c++] = pos[j]!;
    for (let pass = 0; pass < (cfg.sineOnly ? 1 : 2); pass++) {
      for (let j = 0; j < d; j++) {
        const hi = cfg.maxResolution[j]! / 2;
        for (let k = 0; k < K; k++) {
          const f = K === 1 ? 1 : 1 + ((hi - 1) * k) / (K - 1);
          const a = Math.PI * f * pos[j]!;
          data[c++] = pass === 0 ? Math.sin(a) : Math.cos(a);
        }
      }
    }
  }
  return { data, channels };
}

/** Flattens a grid to tokens and concatenates (or adds) Fourier position features. */
export class FourierPosition extends tf.layers.Layer {
  static className = 'PerceiverFourierPosition';
  private readonly cfg: FourierConfig;
  private features?: tf.Tensor2D;
  /** Set once the layer is disposed: the cache must not come back (a call then would leak it). */
  private released = false;
  constructor(cfg: FourierConfig & LayerArgs) {
    super(cfg);
    this.cfg = {
      indexDims: [...cfg.indexDims],
      numBands: cfg.numBands,
      maxResolution: [...cfg.maxResolution],
      concatPos: cfg.concatPos,
      sineOnly: cfg.sineOnly,
      combine: cfg.combine,
    };
  }
  private pe(): tf.Tensor2D {
    if (this.released) throw new Error(`Layer '${this.name}' is already disposed.`);
    if (!this.features || this.features.isDisposed) {
      const { data, channels } = fourierFeatures(this.cfg);
      this.features = tf.keep(tf.tensor2d(data, [data.length / channels, channels]));
    }
    return this.features;
  }
  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = inputShape as tf.Shape;
    const c = s[s.length - 1] as number;
    const m = this.cfg.indexDims.reduce((a, b) => a * b, 1);
    const channels = fourierChannels(this.cfg.indexDims.length, this.cfg);
    return [s[0]!, m, this.cfg.combine === 'add' ? c : c + channels];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const pe = this.pe();
    return tf.tidy(() => {
      const x = asTensor(inputs);
      const b = x.shape[0]!;
      const c = x.shape[x.rank - 1]!;
      const tokens = tf.reshape(x, [b, -1, c]);
      // broadcastBatch, not broadcastTo: on wasm the Tile kernel behind broadcastTo is ~80× slower.
      const peB = broadcastBatch(pe, x);
      return this.cfg.combine === 'add' ? tf.add(tokens, peB) : tf.concat([tokens, peB], -1);
    });
  }
  override dispose(): tf.serialization.ConfigDict & { refCountAfterDispose: number; numDisposedVariables: number } {
    const result = super.dispose();
    if (result.refCountAfterDispose === 0) {
      this.features?.dispose();
      this.features = undefined;
      this.released = true;
    }
    return result as never;
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...this.cfg } as unknown as tf.serialization.ConfigDict;
  }
}

// ---------------------------------------------------------------------------------------------
export interface AttentionBlockConfig {
  /** Query / key-value widths and the resolved attention widths. */
  dq: number;
  dkv: number;
  qk: number;
  v: number;
  heads: number;
  widening: number;
  dropout: number;
  gelu: 'tanh' | 'erf';
  useQueryResidual: boolean;
  /** Self-attention: one input, one LayerNorm before attention. */
  selfAttention: boolean;
  /** Final Linear after the block (decoder final_project); 0 = none. */
  outputChannels: number;
  /** Decode queries in chunks of this many; 0 = all at once. */
  chunkSize: number;
  /** A third input: 'kv' masks input tokens [B, Tk]; 'query' masks whole query rows [B, Tq] (DM). */
  maskMode?: 'none' | 'kv' | 'query';
  /** Init of the final Linear (DM flow decoder: zeros). */
  outputInit?: 'fanIn' | 'zeros';
  seed?: number;
}

/**
 * One pre-LN attention block (docs/ARCHITECTURE.md §A.5, §A.6, §A.9):
 *   a = MHA(LN(q), LN(kv)); x = (q +) dropout(a); x = x + dropout(MLP(LN(x))) [→ Linear].
 */
export class AttentionBlock extends tf.layers.Layer {
  static className = 'PerceiverAttentionBlock';
  readonly cfg: AttentionBlockConfig;
  private w: Record<string, tf.LayerVariable> = {};
  constructor(cfg: AttentionBlockConfig & LayerArgs) {
    super(cfg);
    const {
      dq,
      dkv,
      qk,
      v,
      heads,
      widening,
      dropout,
      gelu: g,
      useQueryResidual,
      selfAttention,
      outputChannels,
      chunkSize,
      seed,
    } = cfg;
    const maskMode = cfg.maskMode ?? 'none';
    const outputInit = cfg.outputInit ?? 'fanIn';
    this.cfg = {
      dq,
      dkv,
      qk,
      v,
      heads,
      widening,
      dropout,
      gelu: g,
      useQueryResidual,
      selfAttention,
      outputChannels,
      chunkSize,
      maskMode,
      outputInit,
      seed,
    };
  }
  override build(): void {
    const c = this.cfg;
    const ones = tf.initializers.ones();
    const zeros = tf.initializers.zeros();
    const add = (name: string, shape: number[], init: Initializer) => {
      this.w[name] = this.addWeight(name, shape, 'float32', init);
    };
    const lin = (name: string, i: number, o: number, init?: Initializer) => {
      add(`${name}_kernel`, [i, o], init ?? fanInInit(i, nextSeed(c.seed)));
      add(`${name}_bias`, [o], zeros);
    };
    add('ln_q_gamma', [c.dq], ones);
    add('ln_q_beta', [c.dq], zeros);
    if (!c.selfAttention) {
      add('ln_kv_gamma', [c.dkv], ones);
      add('ln_kv_beta', [c.dkv], zeros);
    }
    lin('q', c.dq, c.qk);
    lin('k', c.dkv, c.qk);
    lin('v', c.dkv, c.v);
    lin('o', c.v, c.dq);
    add('ln_mlp_gamma', [c.dq], ones);
    add('ln_mlp_beta', [c.dq], zeros);
    lin('mlp1', c.dq, c.widening * c.dq);
    lin('mlp2', c.widening * c.dq, c.dq);
    if (c.outputChannels > 0) {
      const init =
        c.outputInit === 'zeros'
          ? zeros
          : tf.initializers.truncatedNormal({ mean: 0, stddev: 1 / Math.sqrt(c.dq), seed: nextSeed(c.seed) });
      lin('proj', c.dq, c.outputChannels, init);
    }
    this.built = true;
  }
  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const q = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [q[0]!, q[1]!, this.cfg.outputChannels > 0 ? this.cfg.outputChannels : this.cfg.dq];
  }
  private r(name: string): tf.Tensor {
    return this.w[name]!.read();
  }
  /** The [B, Tq, Tk] attention mask from a token mask, or undefined. */
  private fullMask(mask: tf.Tensor | undefined, tq: number, tk: number): tf.Tensor | undefined {
    if (!mask || this.cfg.maskMode === 'none') return undefined;
    const b = mask.shape[0]!;
    const m = tf.cast(mask, 'float32');
    return this.cfg.maskMode === 'kv'
      ? tf.broadcastTo(tf.reshape(m, [b, 1, tk]), [b, tq, tk])
      : tf.broadcastTo(tf.reshape(m, [b, tq, 1]), [b, tq, tk]);
  }
  private block(q: tf.Tensor, kv: tf.Tensor, training: boolean, mask?: tf.Tensor): tf.Tensor {
    const c = this.cfg;
    const qn = layerNorm(q, this.r('ln_q_gamma'), this.r('ln_q_beta'));
    const kvn = c.selfAttention ? qn : layerNorm(kv, this.r('ln_kv_gamma'), this.r('ln_kv_beta'));
    // q/k/v (self) or k/v (cross) as one wide matmul: fewer, larger kernels (bench/README.md).
    const [Q, K, V] = c.selfAttention
      ? linearMany(
          qn,
          [this.r('q_kernel'), this.r('k_kernel'), this.r('v_kernel')],
          [this.r('q_bias'), this.r('k_bias'), this.r('v_bias')],
        )
      : [
          linear(qn, this.r('q_kernel'), this.r('q_bias')),
          ...linearMany(kvn, [this.r('k_kernel'), this.r('v_kernel')], [this.r('k_bias'), this.r('v_bias')]),
        ];
    const sink = recorder ? (p: tf.Tensor) => recorder!(this.name, p) : undefined;
    let a = linear(
      attend(Q, K, V, c.heads, this.fullMask(mask, q.shape[1]!, kv.shape[1]!), sink),
      this.r('o_kernel'),
      this.r('o_bias'),
    );
    if (training && c.dropout > 0) a = tf.dropout(a, c.dropout);
    let x = c.useQueryResidual ? tf.add(q, a) : a;
    const h = gelu(
      linear(layerNorm(x, this.r('ln_mlp_gamma'), this.r('ln_mlp_beta')), this.r('mlp1_kernel'), this.r('mlp1_bias')),
      c.gelu,
    );
    let m = linear(h, this.r('mlp2_kernel'), this.r('mlp2_bias'));
    if (training && c.dropout > 0) m = tf.dropout(m, c.dropout);
    x = tf.add(x, m);
    if (c.outputChannels > 0) x = linear(x, this.r('proj_kernel'), this.r('proj_bias'));
    return x;
  }
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const list = Array.isArray(inputs) ? inputs : [inputs];
      const q = list[0]!;
      const kv = this.cfg.selfAttention ? q : list[1]!;
      const mask = this.cfg.maskMode !== 'none' ? list[this.cfg.selfAttention ? 1 : 2] : undefined;
      const training = kwargs?.training === true;
      const tq = q.shape[1]!;
      const chunk = this.cfg.chunkSize;
      if (chunk > 0 && chunk < tq) {
        const parts: tf.Tensor[] = [];
        for (let s = 0; s < tq; s += chunk) {
          const n = Math.min(chunk, tq - s);
          const m = mask && this.cfg.maskMode === 'query' ? tf.slice(mask, [0, s], [-1, n]) : mask;
          parts.push(this.block(tf.slice(q, [0, s, 0], [-1, n, -1]), kv, training, m));
        }
        return tf.concat(parts, 1);
      }
      return this.block(q, kv, training, mask);
    });
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...this.cfg } as unknown as tf.serialization.ConfigDict;
  }
}

// ---------------------------------------------------------------------------------------------
export interface ProjectionConfig {
  inChannels: number;
  outChannels: number;
  /** Take this row of [B, O, E] first (classification: 0); −1 = keep all rows. */
  takeRow: number;
  /** Mean over the token axis first (original Perceiver head). */
  meanPool: boolean;
  layerNorm: boolean;
  init: 'zeros' | 'fanIn';
  seed?: number;
}

/** Linear head: optional mean-pool / row pick / LayerNorm, then Linear(E → out). */
export class ProjectionHead extends tf.layers.Layer {
  static className = 'PerceiverProjectionHead';
  private readonly cfg: ProjectionConfig;
  private w: Record<string, tf.LayerVariable> = {};
  constructor(cfg: ProjectionConfig & LayerArgs) {
    super(cfg);
    const { inChannels, outChannels, takeRow, meanPool, layerNorm: ln, init, seed } = cfg;
    this.cfg = { inChannels, outChannels, takeRow, meanPool, layerNorm: ln, init, seed };
  }
  override build(): void {
    const c = this.cfg;
    if (c.layerNorm) {
      this.w.gamma = this.addWeight('ln_gamma', [c.inChannels], 'float32', tf.initializers.ones());
      this.w.beta = this.addWeight('ln_beta', [c.inChannels], 'float32', tf.initializers.zeros());
    }
    const init =
      c.init === 'zeros'
        ? tf.initializers.zeros()
        : tf.initializers.truncatedNormal({ mean: 0, stddev: 1 / Math.sqrt(c.inChannels), seed: nextSeed(c.seed) });
    this.w.kernel = this.addWeight('kernel', [c.inChannels, c.outChannels], 'float32', init);
    this.w.bias = this.addWeight('bias', [c.outChannels], 'float32', tf.initializers.zeros());
    this.built = true;
  }
  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = inputShape as tf.Shape;
    if (this.cfg.takeRow >= 0 || this.cfg.meanPool) return [s[0]!, this.cfg.outChannels];
    return [...s.slice(0, -1), this.cfg.outChannels];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      let x = asTensor(inputs);
      if (this.cfg.meanPool) x = tf.mean(x, 1);
      else if (this.cfg.takeRow >= 0)
        x = tf.reshape(tf.slice(x, [0, this.cfg.takeRow, 0], [-1, 1, -1]), [x.shape[0]!, x.shape[2]!]);
      if (this.cfg.layerNorm) x = layerNorm(x, this.w.gamma!.read(), this.w.beta!.read());
      return linear(x, this.w.kernel!.read(), this.w.bias!.read());
    });
  }
  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...this.cfg } as unknown as tf.serialization.ConfigDict;
  }
}

export const PERCEIVER_LAYER_CLASSES = [
  TrainableArray,
  SpaceToDepth,
  FourierPosition,
  AttentionBlock,
  ProjectionHead,
] as const;
for (const cls of PERCEIVER_LAYER_CLASSES)
  tf.serialization.registerClass(
    cls as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>,
  );
