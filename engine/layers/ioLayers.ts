/**
 * Input, position and query layers beyond the core blocks (docs/ARCHITECTURE.md §A.1, §A.3, §A.8, §A.11), as
 * registered tfjs custom layers so saved models reload anywhere engine/layers/index.ts is imported.
 */
import * as tf from '@tensorflow/tfjs';
import { broadcastBatch, linear, matMul } from './ops.js';
import { asTensor, fanInInit, fourierFeatures, nextSeed, type Kwargs, type LayerArgs } from './perceiverLayers.js';

type Config = tf.serialization.ConfigDict;
const truncated = (stddev: number, seed: number | undefined) =>
  tf.initializers.truncatedNormal({ mean: 0, stddev, seed: nextSeed(seed) });
const shapeOf = (s: tf.Shape | tf.Shape[]): tf.Shape => (Array.isArray(s[0]) ? s[0] : s) as tf.Shape;
const lastDim = (s: tf.Shape): number => s[s.length - 1] as number;

// ---------------------------------------------------------------------------------------------
/** x[:, ::t, ::s, ::s, :] (DM pixels preprocessing). */
export class StridedSubsample extends tf.layers.Layer {
  static className = 'PerceiverStridedSubsample';
  private readonly cfg: { spatial: number; temporal: number };
  constructor(cfg: { spatial: number; temporal: number } & LayerArgs) {
    super(cfg);
    this.cfg = { spatial: cfg.spatial, temporal: cfg.temporal };
  }
  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = shapeOf(inputShape);
    const { spatial: sp, temporal: t } = this.cfg;
    const up = (n: tf.Shape[number], k: number) => Math.ceil((n as number) / k);
    return s.length === 5
      ? [s[0]!, up(s[1], t), up(s[2], sp), up(s[3], sp), s[4]!]
      : [s[0]!, up(s[1], sp), up(s[2], sp), s[3]!];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = asTensor(inputs);
    const { spatial: sp, temporal: t } = this.cfg;
    if (sp === 1 && t === 1) return x;
    return tf.tidy(() => {
      const strides = x.rank === 5 ? [1, t, sp, sp, 1] : [1, sp, sp, 1];
      return tf.stridedSlice(x, new Array<number>(x.rank).fill(0), x.shape, strides);
    });
  }
  override getConfig(): Config {
    return { ...super.getConfig(), ...this.cfg };
  }
}

// ---------------------------------------------------------------------------------------------
/** Each pixel gets its k×k zero-padded neighbourhood as channels, order (di, dj, c). */
export class PixelNeighbourhood extends tf.layers.Layer {
  static className = 'PerceiverPixelNeighbourhood';
  private readonly cfg: { kernelSize: number };
  constructor(cfg: { kernelSize: number } & LayerArgs) {
    super(cfg);
    this.cfg = { kernelSize: cfg.kernelSize };
  }
  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = shapeOf(inputShape);
    return [...s.slice(0, -1), this.cfg.kernelSize ** 2 * lastDim(s)];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = asTensor(inputs);
      const k = this.cfg.kernelSize;
      const r = (k - 1) / 2;
      const hAxis = x.rank - 3;
      const pads = x.shape.map((_, a) => (a === hAxis || a === hAxis + 1 ? [r, r] : [0, 0])) as [number, number][];
      const padded = tf.pad(x, pads);
      const h = x.shape[hAxis]!;
      const w = x.shape[hAxis + 1]!;
      const parts: tf.Tensor[] = [];
      for (let di = 0; di < k; di++) {
        for (let dj = 0; dj < k; dj++) {
          const begin = x.shape.map((_, a) => (a === hAxis ? di : a === hAxis + 1 ? dj : 0));
          const size = x.shape.map((n, a) => (a === hAxis ? h : a === hAxis + 1 ? w : n!));
          parts.push(tf.slice(padded, begin, size));
        }
      }
      return tf.concat(parts, -1);
    });
  }
  override getConfig(): Config {
    return { ...super.getConfig(), ...this.cfg };
  }
}

// ---------------------------------------------------------------------------------------------
export interface TokenEmbeddingConfig {
  vocabSize: number;
  maxLength: number;
  channels: number;
  initScale: number;
  seed?: number;
}

/** Byte ids [B, L] → [Emb[id] + P [B,L,d], Emb broadcast [B,V,d] (for tying), mask [B,L]]. */
export class TokenEmbedding extends tf.layers.Layer {
  static className = 'PerceiverTokenEmbedding';
  private readonly cfg: TokenEmbeddingConfig;
  private emb!: tf.LayerVariable;
  private pos!: tf.LayerVariable;
  constructor(cfg: TokenEmbeddingConfig & LayerArgs) {
    super(cfg);
    this.cfg = {
      vocabSize: cfg.vocabSize,
      maxLength: cfg.maxLength,
      channels: cfg.channels,
      initScale: cfg.initScale,
      seed: cfg.seed,
    };
  }
  override build(): void {
    const c = this.cfg;
    this.emb = this.addWeight('embedding', [c.vocabSize, c.channels], 'float32', truncated(c.initScale, c.seed));
    this.pos = this.addWeight('positions', [c.maxLength, c.channels], 'float32', truncated(c.initScale, c.seed));
    this.built = true;
  }
  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape[] {
    const b = shapeOf(inputShape)[0]!;
    const c = this.cfg;
    return [
      [b, c.maxLength, c.channels],
      [b, c.vocabSize, c.channels],
      [b, c.maxLength],
    ];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
    return tf.tidy(() => {
      const ids = tf.cast(asTensor(inputs), 'int32');
      // One-hot × embedding rather than gather: gather's gradient needs UnsortedSegmentSum,
      // which the wasm backend lacks (a Text bytes model could not train there), and the
      // matmul is the same maths with a gradient every backend has.
      const [b, l] = ids.shape as [number, number];
      const c = this.cfg;
      const picked = tf.reshape(tf.matMul(tf.oneHot(tf.reshape(ids, [-1]), c.vocabSize), this.emb.read()), [
        b,
        l,
        c.channels,
      ]);
      const tokens = tf.add(picked, this.pos.read());
      const embedding = broadcastBatch(this.emb.read(), tokens);
      const mask = tf.cast(tf.notEqual(ids, 0), 'float32');
      return [tokens, embedding, mask];
    });
  }
  override getConfig(): Config {
    return { ...super.getConfig(), ...this.cfg } as unknown as Config;
  }
}

// ---------------------------------------------------------------------------------------------
export interface TabularTokensConfig {
  numColumns: number;
  channels: number;
  encoding: 'perColumn' | 'sharedWithColumnEmbedding';
  initScale: number;
  seed?: number;
}

/** A row [B, n] → column tokens [B, n, C]: x_j·w_j + b_j, or x_j·w + b + e_j. */
export class TabularTokens extends tf.layers.Layer {
  static className = 'PerceiverTabularTokens';
  private readonly cfg: TabularTokensConfig;
  private w: Record<string, tf.LayerVariable> = {};
  constructor(cfg: TabularTokensConfig & LayerArgs) {
    super(cfg);
    this.cfg = {
      numColumns: cfg.numColumns,
      channels: cfg.channels,
      encoding: cfg.encoding,
      initScale: cfg.initScale,
      seed: cfg.seed,
    };
  }
  override build(): void {
    const c = this.cfg;
    if (c.encoding === 'perColumn') {
      this.w.scale = this.addWeight('column_scale', [c.numColumns, c.channels], 'float32', truncated(1, c.seed));
      this.w.offset = this.addWeight(
        'column_offset',
        [c.numColumns, c.channels],
        'float32',
        truncated(c.initScale, c.seed),
      );
    } else {
      this.w.scale = this.addWeight('value_scale', [1, c.channels], 'float32', truncated(1, c.seed));
      this.w.bias = this.addWeight('value_bias', [c.channels], 'float32', tf.initializers.zeros());
      this.w.offset = this.addWeight(
        'column_embedding',
        [c.numColumns, c.channels],
        'float32',
        truncated(c.initScale, c.seed),
      );
    }
    this.built = true;
  }
  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return [shapeOf(inputShape)[0]!, this.cfg.numColumns, this.cfg.channels];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = tf.expandDims(asTensor(inputs), -1); // [B, n, 1]
      let y = tf.add(tf.mul(x, this.w.scale!.read()), this.w.offset!.read());
      if (this.w.bias) y = tf.add(y, this.w.bias.read());
      return y;
    });
  }
  override getConfig(): Config {
    return { ...super.getConfig(), ...this.cfg } as unknown as Config;
  }
}

// ---------------------------------------------------------------------------------------------
export interface TrainablePositionConfig {
  positions: number;
  numChannels: number;
  projectPosDim: number;
  combine: 'concat' | 'add';
  initScale: number;
  seed?: number;
}

/** Flattens a grid to tokens and concatenates (or adds) a learned [M, c] table (+ projector). */
export class TrainablePositionEncoding extends tf.layers.Layer {
  static className = 'PerceiverTrainablePosition';
  private readonly cfg: TrainablePositionConfig;
  private w: Record<string, tf.LayerVariable> = {};
  constructor(cfg: TrainablePositionConfig & LayerArgs) {
    super(cfg);
    const { positions, numChannels, projectPosDim, combine, initScale, seed } = cfg;
    this.cfg = { positions, numChannels, projectPosDim, combine, initScale, seed };
  }
  override build(): void {
    const c = this.cfg;
    this.w.table = this.addWeight('positions', [c.positions, c.numChannels], 'float32', truncated(c.initScale, c.seed));
    if (c.projectPosDim > 0) {
      this.w.kernel = this.addWeight(
        'projector_kernel',
        [c.numChannels, c.projectPosDim],
        'float32',
        fanInInit(c.numChannels, nextSeed(c.seed)),
      );
      this.w.bias = this.addWeight('projector_bias', [c.projectPosDim], 'float32', tf.initializers.zeros());
    }
    this.built = true;
  }
  private width(): number {
    return this.cfg.projectPosDim > 0 ? this.cfg.projectPosDim : this.cfg.numChannels;
  }
  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const s = shapeOf(inputShape);
    const c = lastDim(s);
    return [s[0]!, this.cfg.positions, this.cfg.combine === 'add' ? c : c + this.width()];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = asTensor(inputs);
      const tokens = tf.reshape(x, [x.shape[0]!, this.cfg.positions, x.shape[x.rank - 1]!]);
      let pe = this.w.table!.read();
      if (this.w.kernel) pe = linear(pe, this.w.kernel.read(), this.w.bias!.read());
      const peB = broadcastBatch(pe, tokens);
      return this.cfg.combine === 'add' ? tf.add(tokens, peB) : tf.concat([tokens, peB], -1);
    });
  }
  override getConfig(): Config {
    return { ...super.getConfig(), ...this.cfg } as unknown as Config;
  }
}

// ---------------------------------------------------------------------------------------------
export interface MultimodalPadConfig {
  /** Channels of each input, in input order. */
  widths: number[];
  /** Input indices in concatenation (sorted-name) order. */
  order: number[];
  common: number;
  /** Per input: mask-token probability, or null for no mask token. */
  maskProbs: (number | null)[];
  initScale: number;
  seed?: number;
}

/** Pads each modality to a common width with a trainable vector, optional mask tokens, concat. */
export class MultimodalPad extends tf.layers.Layer {
  static className = 'PerceiverMultimodalPad';
  private readonly cfg: MultimodalPadConfig;
  private pads: (tf.LayerVariable | null)[] = [];
  private masks: (tf.LayerVariable | null)[] = [];
  constructor(cfg: MultimodalPadConfig & LayerArgs) {
    super(cfg);
    const { widths, order, common, maskProbs, initScale, seed } = cfg;
    this.cfg = { widths: [...widths], order: [...order], common, maskProbs: [...maskProbs], initScale, seed };
  }
  override build(): void {
    const c = this.cfg;
    this.pads = c.widths.map((w, k) =>
      c.common > w
        ? this.addWeight(`padding_${k}`, [1, c.common - w], 'float32', truncated(c.initScale, c.seed))
        : null,
    );
    this.masks = c.widths.map((_, k) =>
      c.maskProbs[k] != null
        ? this.addWeight(`mask_token_${k}`, [1, c.common], 'float32', truncated(c.initScale, c.seed))
        : null,
    );
    this.built = true;
  }
  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const list = (Array.isArray(inputShape[0]) ? inputShape : [inputShape]) as tf.Shape[];
    const tokens = list.reduce((a, s) => a + (s[1] as number), 0);
    return [list[0]![0]!, tokens, this.cfg.common];
  }
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const list = Array.isArray(inputs) ? inputs : [inputs];
      const training = kwargs?.training === true;
      const parts = this.cfg.order.map((k) => {
        const x = list[k]!;
        const [b, m] = [x.shape[0]!, x.shape[1]!];
        let y = x;
        // A [1, w] vector to [B, m, w] as ones[m,1]·v then a batch broadcast: both have matmul
        // gradients (broadcastTo's Tile is far slower on wasm, and its gradient slices per repeat).
        const spread = (v: tf.Tensor) => broadcastBatch(matMul(tf.ones([m, 1]), v), x);
        const pad = this.pads[k];
        if (pad) y = tf.concat([x, spread(pad.read())], -1);
        const token = this.masks[k];
        const p = this.cfg.maskProbs[k] ?? 0;
        if (token && p >= 1) {
          y = spread(token.read());
        } else if (token && p > 0 && training) {
          // Bernoulli(p) per token in training; inference sees the real tokens.
          const hit = tf.cast(tf.less(tf.randomUniform([b, m, 1]), p), 'float32');
          y = tf.add(tf.mul(y, tf.sub(1, hit)), tf.mul(hit, tf.reshape(token.read(), [1, 1, -1])));
        }
        return y;
      });
      return parts.length === 1 ? parts[0]! : tf.concat(parts, 1);
    });
  }
  override getConfig(): Config {
    return { ...super.getConfig(), ...this.cfg } as unknown as Config;
  }
}

// ---------------------------------------------------------------------------------------------
export interface FourierQueryConfig {
  indexDims: number[];
  numBands: number;
  maxResolution: number[];
  concatPos: boolean;
  sineOnly: boolean;
  /** Contiguous chunk of flat grid indices; subsampled positions when it is not the whole grid. */
  start: number;
  count: number;
  projectPosDim: number;
  /** Subsampled positions −1 + 2·i/n even when start/count cover the whole grid (HF points). */
  points?: boolean;
  /** Explicit flat indices (any HF point set) instead of start/count; count = indices.length. */
  indices?: number[];
  seed?: number;
}

/** Constant Fourier-feature queries [count, ch] (+ projector), broadcast over the batch. */
export class FourierQueryArray extends tf.layers.Layer {
  static className = 'PerceiverFourierQuery';
  private readonly cfg: FourierQueryConfig;
  private features?: tf.Tensor2D;
  private w: Record<string, tf.LayerVariable> = {};
  constructor(cfg: FourierQueryConfig & LayerArgs) {
    super(cfg);
    const { indexDims, numBands, maxResolution, concatPos, sineOnly, start, count, projectPosDim, seed } = cfg;
    this.cfg = {
      indexDims: [...indexDims],
      numBands,
      maxResolution: [...maxResolution],
      concatPos,
      sineOnly,
      start,
      count,
      projectPosDim,
      seed,
    };
    if (cfg.points) this.cfg.points = true;
    if (cfg.indices) this.cfg.indices = [...cfg.indices];
  }
  private rawChannels(): number {
    const d = this.cfg.indexDims.length;
    return (this.cfg.concatPos ? d : 0) + d * this.cfg.numBands * (this.cfg.sineOnly ? 1 : 2);
  }
  override build(): void {
    const c = this.cfg;
    if (c.projectPosDim > 0) {
      this.w.kernel = this.addWeight(
        'projector_kernel',
        [this.rawChannels(), c.projectPosDim],
        'float32',
        fanInInit(this.rawChannels(), nextSeed(c.seed)),
      );
      this.w.bias = this.addWeight('projector_bias', [c.projectPosDim], 'float32', tf.initializers.zeros());
    }
    this.built = true;
  }
  private pe(): tf.Tensor2D {
    if (!this.features || this.features.isDisposed) {
      const c = this.cfg;
      const whole = !c.points && !c.indices && c.start === 0 && c.count === c.indexDims.reduce((a, b) => a * b, 1);
      const { data, channels } = fourierFeatures(
        c,
        whole ? undefined : { start: c.start, count: c.count, ...(c.indices ? { indices: c.indices } : {}) },
      );
      this.features = tf.keep(tf.tensor2d(data, [c.count, channels]));
    }
    return this.features;
  }
  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return [
      shapeOf(inputShape)[0]!,
      this.cfg.count,
      this.cfg.projectPosDim > 0 ? this.cfg.projectPosDim : this.rawChannels(),
    ];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const pe = this.pe();
    return tf.tidy(() => {
      const q = this.w.kernel ? linear(pe, this.w.kernel.read(), this.w.bias!.read()) : pe;
      return broadcastBatch(q, asTensor(inputs));
    });
  }
  override dispose(): ReturnType<tf.layers.Layer['dispose']> {
    this.features?.dispose();
    this.features = undefined;
    return super.dispose();
  }
  override getConfig(): Config {
    return { ...super.getConfig(), ...this.cfg } as unknown as Config;
  }
}

export const IO_LAYER_CLASSES = [
  StridedSubsample,
  PixelNeighbourhood,
  TokenEmbedding,
  TabularTokens,
  TrainablePositionEncoding,
  MultimodalPad,
  FourierQueryArray,
] as const;
for (const cls of IO_LAYER_CLASSES)
  tf.serialization.registerClass(
    cls as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>,
  );
