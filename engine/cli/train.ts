import { compile } from '../compile/compile.js';
import type { Dataset } from '../data/dataset.js';
import { mnistDataset } from '../data/mnist.js';
import type { GraphDoc } from '../graph/schema.js';
import { useNodeBackend, type NodeBackend } from '../node/backend.js';
import { loadMnistBytes } from '../node/mnist.js';
import { train } from '../train/train.js';
import { UsageError, type parseArgs } from './main.js';

type Args = ReturnType<typeof parseArgs>;
type Out = { log: (s: string) => void; err: (s: string) => void };

export async function loadDataFor(spec: string, doc: GraphDoc): Promise<Dataset> {
  if (spec === 'mnist') {
    return mnistDataset(loadMnistBytes(), {
      validationFraction: doc.data?.validationFraction,
      testFraction: doc.data?.testFraction,
      seed: doc.data?.seed,
    });
  }
  throw new UsageError(`--data ${spec}: only "mnist" is supported by this build`);
}

export async function trainCommand(args: Args, doc: GraphDoc, out: Out, intFlag: (a: Args, n: string) => number | undefined): Promise<number> {
  const json = args.flags.has('--json');
  const backend = (args.flags.get('--backend') ?? 'wasm') as NodeBackend;
  if (backend !== 'wasm' && backend !== 'cpu') throw new UsageError(`--backend must be wasm or cpu (got ${String(backend)})`);
  const dataSpec = args.flags.get('--data');
  if (typeof dataSpec !== 'string') throw new UsageError('train needs --data (e.g. --data mnist)');
  const settings = { ...doc.training };
  settings.epochs = intFlag(args, '--epochs') ?? settings.epochs;
  settings.batchSize = intFlag(args, '--batch-size') ?? settings.batchSize;
  const maxSteps = intFlag(args, '--max-steps');

  const be = await useNodeBackend(backend);
  const data = await loadDataFor(dataSpec, doc);
  const { model, analysis } = compile(doc);
  const head = analysis.heads[0]!;
  if (head.loss.type === 'classification' && head.loss.classes !== data.numClasses) {
    throw new Error(`The head "${head.nodeId}" predicts ${head.loss.classes} classes but the data has ${data.numClasses}; set numClasses to ${data.numClasses}`);
  }
  const inShape = analysis.nodes.get(analysis.modelInputs[0]!)!.outputShapes.out!;
  if (inShape.join('x') !== data.inputShape.join('x')) {
    throw new Error(`The input node "${analysis.modelInputs[0]}" expects [${inShape.join(', ')}] but the data gives [${data.inputShape.join(', ')}]`);
  }
  if (!json) {
    out.log(`Training "${doc.name}" (${model.countParams().toLocaleString('en-US')} parameters) on ${data.name}: ${data.train.size} train / ${data.validation.size} validation / ${data.test.size} test; backend ${be.note}`);
  }
  const result = await train(model, data, settings, {
    maxStepsPerEpoch: maxSteps,
    reportEvery: 10,
    onEpoch: (e) => {
      if (json) out.log(JSON.stringify({ epoch: e.epoch, loss: e.loss, accuracy: e.accuracy, valLoss: e.valLoss, valAccuracy: e.valAccuracy }));
      else
        out.log(
          `epoch ${e.epoch}: loss ${e.loss.toFixed(4)} acc ${(e.accuracy * 100).toFixed(1)}%` +
            (e.valLoss !== null ? `  val loss ${e.valLoss.toFixed(4)} val acc ${(e.valAccuracy! * 100).toFixed(1)}%` : '') +
            `  (${e.seconds.toFixed(1)} s)`,
        );
    },
  });
  model.dispose();
  const final = { done: result.status !== 'diverged', status: result.status, testAccuracy: result.test?.accuracy ?? null, testLoss: result.test?.loss ?? null, seconds: result.seconds, backend: be.backend, message: result.message };
  if (json) out.log(JSON.stringify(final));
  else {
    if (result.message) out.log(result.message);
    out.log(`test accuracy ${result.test ? (result.test.accuracy * 100).toFixed(2) + '%' : 'n/a'} after ${result.seconds.toFixed(1)} s`);
  }
  return result.status === 'diverged' ? 1 : 0;
}
