/**
 * migrations[v] upgrades a document from schemaVersion v to v + 1. Version 0 was the
 * pre-release format, where nodes were called "blocks" and parameters "config".
 */
type Doc = Record<string, unknown>;

export const migrations: Record<number, (doc: Doc) => Doc> = {
  0: (doc) => {
    const { blocks, ...rest } = doc as Doc & { blocks?: unknown };
    const nodes = Array.isArray(blocks)
      ? blocks.map((b) => {
          if (typeof b !== 'object' || b === null) return b;
          const { config, ...n } = b as Doc & { config?: unknown };
          return config === undefined ? n : { ...n, params: config };
        })
      : (rest.nodes ?? []);
    return { ...rest, nodes, schemaVersion: 1 };
  },
};
