// Bundles the extension (Node, `vscode` external) and the chat webview script (browser).
import * as esbuild from 'esbuild';

const production = !process.argv.includes('--dev');
const common = { bundle: true, minify: production, sourcemap: !production, logLevel: 'info' };

await Promise.all([
  esbuild.build({
    ...common,
    entryPoints: ['src/extension.ts'],
    outfile: 'dist/extension.js',
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    external: ['vscode'],
  }),
  esbuild.build({
    ...common,
    entryPoints: ['src/webview/main.ts'],
    outfile: 'dist/webview.js',
    platform: 'browser',
    format: 'iife',
    target: 'es2020',
  }),
]);
