// vitest globalSetup: compile our AssemblyScript kernels (engine/kernels) before the tests, so a
// fresh clone's `npm test` finds them; a no-op (~ms) when the stamp says they are up to date.
import { buildKernels } from './build-kernels.mjs';

export default async function setup() {
  await buildKernels({ quiet: true });
}
