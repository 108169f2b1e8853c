/** Text imports (`import src from './file.py?raw'`): Vite, vitest and scripts/esbuild-raw.mjs. */
declare module '*?raw' {
  const text: string;
  export default text;
}
