/**
 * GraphDoc: the single source of truth for an architecture. The canvas draws it, the compiler
 * compiles it, a template is a saved GraphDoc. Loading is parse → migrate → validate.
 */
import { z } from 'zod';

export const SCHEMA_VERSION = 1;

/** Hard limits on what a file may contain; beyond them a file is refused rather than trusted. */
export const LIMITS = {
  maxNodes: 5000,
  maxEdges: 20000,
  maxIdLength: 128,
  maxTextLength: 20000,
  maxFileBytes: 16 * 1024 * 1024,
} as const;

const id = z
  .string()
  .min(1)
  .max(LIMITS.maxIdLength)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'ids may use letters, digits, _ . : - only');

export const portRefSchema = z.object({ node: id, port: z.string().min(1).max(64) }).strict();

export const nodeSchema = z
  .object({
    id,
    kind: z.string().min(1).max(64),
    /** Kind-specific parameters; validated against the kind's own schema by the analyser. */
    params: z.record(z.string(), z.unknown()).default({}),
    position: z.object({ x: z.number().finite(), y: z.number().finite() }).strict().default({ x: 0, y: 0 }),
    label: z.string().max(200).optional(),
    /** Group (block) the node belongs to, if any. */
    group: id.optional(),
    /**
     * Version of the node's kind its params were written for (absent: version 1). Loading runs
     * the kind's `migrations` up to its current `version` (load.ts migrateKindParams).
     */
    kindVersion: z.number().int().min(1).max(1_000_000).optional(),
  })
  .strict();

export const edgeSchema = z
  .object({
    id,
    source: portRefSchema,
    target: portRefSchema,
  })
  .strict();

export const groupSchema = z
  .object({
    id,
    label: z.string().max(200),
    collapsed: z.boolean().default(false),
  })
  .strict();

export const trainingSettingsSchema = z
  .object({
    optimizer: z.enum(['adam', 'adamw', 'sgd']).default('adam'),
    learningRate: z.number().positive().max(10).default(1e-3),
    momentum: z.number().min(0).max(1).default(0.9),
    weightDecay: z.number().min(0).max(1).default(0),
    schedule: z.enum(['constant', 'cosine', 'step']).default('constant'),
    warmupSteps: z.number().int().min(0).max(1e7).default(0),
    stepEvery: z.number().int().min(1).max(1e7).default(1000),
    stepGamma: z.number().positive().max(1).default(0.5),
    batchSize: z.number().int().min(1).max(65536).default(32),
    epochs: z.number().int().min(1).max(100000).default(5),
    gradClipNorm: z.number().min(0).max(1e6).default(0),
    labelSmoothing: z.number().min(0).max(0.99).default(0),
    /** Image inputs: shift each training image by up to this many pixels (zero fill); 0 = off. */
    augmentShift: z.number().int().min(0).max(16).default(0),
    earlyStoppingPatience: z.number().int().min(0).max(1000).default(0),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(42),
  })
  .strict();
export type TrainingSettings = z.infer<typeof trainingSettingsSchema>;

export const dataBindingSchema = z
  .object({
    source: z.enum(['mnist', 'csv', 'json', 'npy', 'npz', 'images', 'text', 'audio', 'points', 'video', 'multimodal']),
    path: z.string().max(4096).optional(),
    target: z.string().max(256).optional(),
    validationFraction: z.number().min(0).max(0.9).default(0.1),
    testFraction: z.number().min(0).max(0.9).default(0.2),
    normalize: z.enum(['none', 'minmax', 'standardize']).default('none'),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(1),
  })
  .strict();
export type DataBinding = z.infer<typeof dataBindingSchema>;

/**
 * Where a graph came from when it was imported rather than drawn: the "pretrained" badge and the
 * graph's details show it; HF-style export writes `config` back. Optional, so no migration.
 */
export const graphOriginSchema = z
  .object({
    kind: z.literal('huggingface'),
    /** The transformers class, e.g. PerceiverForMaskedLM. */
    hfClass: z.string().min(1).max(128),
    /** The config.json the graph was built from (as HF writes it). */
    config: z.record(z.string(), z.unknown()),
  })
  .strict();
export type GraphOrigin = z.infer<typeof graphOriginSchema>;

export const graphDocSchema = z
  .object({
    schemaVersion: z.literal(SCHEMA_VERSION),
    name: z.string().min(1).max(200),
    description: z.string().max(LIMITS.maxTextLength).default(''),
    source: z.string().max(LIMITS.maxTextLength).default(''),
    reproduces: z.string().max(LIMITS.maxTextLength).default(''),
    tags: z.array(z.string().max(64)).max(64).default([]),
    nodes: z.array(nodeSchema).max(LIMITS.maxNodes),
    edges: z.array(edgeSchema).max(LIMITS.maxEdges),
    groups: z.array(groupSchema).max(1000).default([]),
    training: trainingSettingsSchema.default(() => trainingSettingsSchema.parse({})),
    data: dataBindingSchema.optional(),
    origin: graphOriginSchema.optional(),
  })
  .strict();

export type GraphDoc = z.infer<typeof graphDocSchema>;
export type GraphNode = z.infer<typeof nodeSchema>;
export type GraphEdge = z.infer<typeof edgeSchema>;
export type PortRef = z.infer<typeof portRefSchema>;
export type GraphGroup = z.infer<typeof groupSchema>;
