import type { PortType } from '../../engine/kinds/types';

/** One colour per port type, shared by handles, wires and the legend. */
export const PORT_COLORS: Record<PortType, string> = {
  image: '#4fc3f7',
  tokens: '#ffb74d',
  latents: '#b388ff',
  queries: '#69f0ae',
  logits: '#ff8a80',
  any: '#b0bec5',
};

export function portColor(type: PortType | undefined): string {
  return PORT_COLORS[type ?? 'any'] ?? PORT_COLORS.any;
}
