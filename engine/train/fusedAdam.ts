/**
 * Optimizers that update every variable at once on one flat buffer.
 *
 * tfjs' Adam updates each variable separately: ~12 kernels per variable, ~860 per step for the
 * default template's 72 variables, and at these sizes each kernel costs its fixed overhead
 * (~10–25 µs on wasm), not its arithmetic. Here the gradients are concatenated into one vector
 * (one kernel), the moments live in one flat vector each, the update is a dozen elementwise
 * kernels on that vector, and one split hands the new values back to the variables.
 *
 * The maths is tfjs' own, operation for operation (same epsilon placement, the bias corrections
 * from the same float32 running products β^t), so a run matches tf.train.adam / tf.train.momentum
 * to float rounding. getWeights/setWeights use tfjs' layout — [iter, m per variable…, v per
 * variable…] for Adam, [iter, accumulation per variable…] for momentum, named `<var>/m` etc. — so
 * checkpoints written with either optimizer restore into either. Unlike tfjs, the moment tensors
 * getWeights returns are fresh copies the caller disposes (tfjs returns its live variables).
 *
 * Between steps the optimizer keeps the flat parameter vector it wrote; if nothing else has
 * written a variable since (checked by data identity), the next step starts from it instead of
 * concatenating the variables again.
 */
import * as tf from '@tensorflow/tfjs';
import { splitLastAxis } from '../layers/wasmKernels.js';

/** A named tensor as optimizers' getWeights/setWeights use it (not re-exported by @tensorflow/tfjs). */
interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}
type Grads = tf.NamedTensorMap | NamedTensor[];

interface Layout {
  names: string[];
  shapes: number[][];
  sizes: number[];
  total: number;
}

/** Data identity of a tensor (the handle tfjs swaps when a variable is assigned). */
function dataIdOf(t: tf.Tensor): object {
  return t.dataId as object;
}

function registeredVariable(name: string): tf.Variable {
  const v = tf.engine().registeredVariables[name];
  if (!v) throw new Error(`Fused optimizer: no variable named "${name}" is registered (was the model disposed?)`);
  return v;
}

abstract class FlatOptimizer extends tf.Optimizer {
  protected layout: Layout | null = null;
  /** Optimizer slots, one flat vector each (Adam: m, v; momentum: the accumulation). */
  protected slots: tf.Variable[] = [];
  /** Per-variable sizes of slots restored by setWeights, checked against the first step's variables. */
  private restoredSizes: number[] | null = null;
  private shadow: tf.Tensor1D | null = null;
  private shadowIds: object[] = [];

  constructor(public learningRate: number) {
    super();
  }

  protected abstract readonly slotSuffixes: string[];
  /** Return the new flat parameters; assign the new slot values. Runs inside tf.tidy. */
  protected abstract update(params: tf.Tensor1D, grad: tf.Tensor1D): tf.Tensor1D;
  /** Called after setWeights with the restored iteration count. */
  protected abstract onRestore(iterations: number): void;

  applyGradients(variableGradients: Grads): void {
    const entries: [string, tf.Tensor | null | undefined][] = Array.isArray(variableGradients)
      ? variableGradients.map((g) => [g.name, g.tensor])
      : Object.keys(variableGradients).map((k) => [k, variableGradients[k]]);
    if (entries.length === 0) return;
    const vars = entries.map(([name, g]) => {
      if (g == null)
        throw new Error(
          `Fused optimizer: no gradient for variable "${name}"; every trainable variable must take part in the loss`,
        );
      return registeredVariable(name);
    });
    this.checkLayout(
      entries.map(([n]) => n),
      vars,
    );
    const layout = this.layout!;
    tf.tidy(() => {
      const flatGrad = tf.concat(entries.map(([, g]) => tf.reshape(g!, [-1]))) as tf.Tensor1D;
      const params = this.shadowValid(vars)
        ? this.shadow!
        : (tf.concat(vars.map((v) => tf.reshape(v, [-1]))) as tf.Tensor1D);
      const next = this.update(params, flatGrad);
      const pieces = splitLastAxis(next, layout.sizes, layout.shapes);
      vars.forEach((v, i) => v.assign(pieces[i]!));
      this.shadow?.dispose();
      this.shadow = tf.keep(next);
      this.shadowIds = vars.map(dataIdOf);
    });
    this.incrementIterations();
  }

  private shadowValid(vars: tf.Variable[]): boolean {
    if (!this.shadow || this.shadow.isDisposed) return false;
    return vars.every((v, i) => dataIdOf(v) === this.shadowIds[i]);
  }

  private checkLayout(names: string[], vars: tf.Variable[]): void {
    if (this.layout) {
      // State is kept by position, as tfjs' optimizers keep it; only the shapes must agree.
      const l = this.layout;
      const bad = vars.findIndex((v, i) => v.size !== l.sizes[i]);
      if (vars.length !== l.sizes.length || bad >= 0) {
        throw new Error(
          `Fused optimizer: it was set up for ${l.sizes.length} variables and now gets gradients for ${vars.length}${bad >= 0 ? `; variable ${bad} ("${names[bad]}") has ${vars[bad]!.size} values instead of ${l.sizes[bad]}` : ''}; use one optimizer per model`,
        );
      }
      l.names = names;
      return;
    }
    const shapes = vars.map((v) => v.shape.slice());
    const sizes = vars.map((v) => v.size);
    const total = sizes.reduce((a, b) => a + b, 0);
    if (this.restoredSizes) {
      const bad = this.restoredSizes.findIndex((s, i) => s !== sizes[i]);
      if (this.restoredSizes.length !== sizes.length || bad >= 0) {
        const i = bad >= 0 ? bad : Math.min(this.restoredSizes.length, sizes.length);
        throw new Error(
          `Fused optimizer: the restored optimizer state does not match the model: ${this.restoredSizes.length} variables restored, ${sizes.length} trained; variable ${i} ("${names[i] ?? '?'}") has ${sizes[i] ?? 0} values but its restored state ${this.restoredSizes[i] ?? 0}`,
        );
      }
    } else {
      this.slots = this.slotSuffixes.map(() => tf.variable(tf.zeros([total]), false));
    }
    this.layout = { names, shapes, sizes, total };
  }

  override dispose(): void {
    tf.dispose(this.slots);
    this.slots = [];
    this.shadow?.dispose();
    this.shadow = null;
  }

  override async getWeights(): Promise<NamedTensor[]> {
    const iter = await this.saveIterations();
    if (!this.layout || this.slots.length === 0) return [iter];
    const { names, shapes, sizes } = this.layout;
    const out: NamedTensor[] = [iter];
    this.slots.forEach((slot, s) => {
      const pieces = tf.tidy(() => splitLastAxis(slot, sizes, shapes));
      pieces.forEach((p, i) => out.push({ name: `${names[i]}/${this.slotSuffixes[s]}`, tensor: p }));
    });
    return out;
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    const k = this.slotSuffixes.length;
    if (rest.length % k !== 0)
      throw new Error(`Fused optimizer: ${rest.length} state tensors cannot be split into ${k} slots per variable`);
    const n = rest.length / k;
    tf.dispose(this.slots);
    this.shadow?.dispose();
    this.shadow = null;
    this.layout = null;
    this.slots =
      n === 0
        ? []
        : Array.from({ length: k }, (_, s) =>
            tf.tidy(() =>
              tf.variable(tf.concat(rest.slice(s * n, (s + 1) * n).map((w) => tf.reshape(w.tensor, [-1]))), false),
            ),
          );
    this.restoredSizes = n === 0 ? null : rest.slice(0, n).map((w) => w.tensor.size);
    this.onRestore(this.iterations_ ?? 0);
  }
}

/**
 * Adam on one flat buffer, the same maths as tf.train.adam(lr, β1, β2, ε):
 * m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; p ← p − lr·(m/(1−β1ᵗ)) / (√(v/(1−β2ᵗ)) + ε).
 */
export class FusedAdam extends FlatOptimizer {
  static get className(): string {
    return 'FusedAdam';
  }
  protected readonly slotSuffixes = ['m', 'v'];
  /** β^t as tfjs keeps it: a float32 running product. */
  private accBeta1: number;
  private accBeta2: number;

  constructor(
    learningRate: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = 1e-7,
  ) {
    super(learningRate);
    this.accBeta1 = Math.fround(beta1);
    this.accBeta2 = Math.fround(beta2);
  }

  protected update(p: tf.Tensor1D, g: tf.Tensor1D): tf.Tensor1D {
    const [m, v] = this.slots as [tf.Variable, tf.Variable];
    const m1 = tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1));
    const v1 = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
    const mHat = tf.div(m1, Math.fround(1 - this.accBeta1));
    const vHat = tf.div(v1, Math.fround(1 - this.accBeta2));
    m.assign(m1);
    v.assign(v1);
    this.accBeta1 = Math.fround(this.accBeta1 * Math.fround(this.beta1));
    this.accBeta2 = Math.fround(this.accBeta2 * Math.fround(this.beta2));
    return tf.add(tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), this.epsilon)), -this.learningRate), p) as tf.Tensor1D;
  }

  /**
   * β^(t+1) rebuilt as the same float32 running product an uninterrupted run holds (tfjs uses
   * pow here, which can differ in the last bit; 1−β2ᵗ is small, so that bit shows in the update).
   */
  protected onRestore(iterations: number): void {
    let a1 = Math.fround(this.beta1);
    let a2 = Math.fround(this.beta2);
    for (let i = 0; i < iterations; i++) {
      a1 = Math.fround(a1 * Math.fround(this.beta1));
      a2 = Math.fround(a2 * Math.fround(this.beta2));
    }
    this.accBeta1 = a1;
    this.accBeta2 = a2;
  }

  getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}

/**
 * SGD with momentum on one flat buffer, the same maths as tf.train.momentum(lr, μ):
 * a ← μ·a + g; p ← p − lr·a. Unlike tfjs' momentum optimizer it reads `learningRate` on every
 * step, so a schedule that sets the property takes effect.
 */
export class FusedMomentum extends FlatOptimizer {
  static get className(): string {
    return 'FusedMomentum';
  }
  protected readonly slotSuffixes = ['momentum'];

  constructor(
    learningRate: number,
    readonly momentum: number,
  ) {
    super(learningRate);
  }

  protected update(p: tf.Tensor1D, g: tf.Tensor1D): tf.Tensor1D {
    const [acc] = this.slots as [tf.Variable];
    const a1 = tf.add(tf.mul(acc, this.momentum), g);
    acc.assign(a1);
    return tf.add(tf.mul(a1, -this.learningRate), p) as tf.Tensor1D;
  }

  protected onRestore(): void {}

  getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, momentum: this.momentum };
  }
}

export type OptimizerImpl = 'fused' | 'tfjs';

/**
 * The trainer's optimizer for its settings: Adam(lr, 0.9, 0.999, 1e-7) for 'adam' and 'adamw'
 * (the decay is decoupled, applied by the trainer), SGD with momentum for 'sgd'. `impl` 'tfjs'
 * gives tfjs' per-variable optimizers (same maths; kept for comparison in bench/).
 */
export function createOptimizer(
  s: { optimizer: 'sgd' | 'adam' | 'adamw'; learningRate: number; momentum: number },
  impl: OptimizerImpl = 'fused',
): tf.Optimizer {
  if (s.optimizer === 'sgd')
    return impl === 'fused'
      ? new FusedMomentum(s.learningRate, s.momentum)
      : tf.train.momentum(s.learningRate, s.momentum);
  return impl === 'fused'
    ? new FusedAdam(s.learningRate, 0.9, 0.999, 1e-7)
    : tf.train.adam(s.learningRate, 0.9, 0.999, 1e-7);
}
