// ESLint flat config. The layering rules here are what keep the engine (plugin/) pure:
// no server, HTTP, viewer or DOM code, and no unseeded randomness anywhere.
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');

const serverAndViewerModules = [
  'express', 'express/*', 'http', 'node:http', 'https', 'node:https', 'net', 'node:net',
  'better-sqlite3', 'dicomweb-client',
  'react', 'react-dom', 'react/*', '@ohif/*',
  // Cornerstone's viewer packages, not its codec-* packages (plain wasm image decoders).
  '@cornerstonejs/core', '@cornerstonejs/core/*', '@cornerstonejs/tools', '@cornerstonejs/tools/*', '@cornerstonejs/adapters', '@cornerstonejs/dicom-image-loader',
  '@scanselect/server', '@scanselect/server/*', '@scanselect/viewer-extension', '@scanselect/viewer-extension/*',
];

module.exports = tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**', 'bench-out/**', 'out/**', 'viewer-extension/vendor/**', 'scripts/spikes/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/ban-ts-comment': ['error', { 'ts-ignore': true, 'ts-expect-error': 'allow-with-description' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-properties': ['error', {
        object: 'Math', property: 'random',
        message: 'Use the injected seeded generator (createRng) so that results are reproducible.',
      }],
    },
  },
  {
    files: ['plugin/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: serverAndViewerModules, message: 'plugin/ is the pure engine: no server, HTTP, viewer or DOM code.' },
          { group: ['**/server/**', '**/viewer-extension/**'], message: 'plugin/ must not depend on server/ or viewer-extension/.' },
        ],
      }],
      'no-restricted-globals': ['error',
        { name: 'window', message: 'No DOM in plugin/.' },
        { name: 'document', message: 'No DOM in plugin/.' },
        { name: 'navigator', message: 'No DOM in plugin/.' },
        { name: 'localStorage', message: 'No DOM in plugin/.' },
        { name: 'HTMLElement', message: 'No DOM in plugin/.' },
      ],
    },
  },
  {
    files: ['server/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['@scanselect/viewer-extension', '@scanselect/viewer-extension/*', '**/viewer-extension/**'], message: 'server/ must not depend on the viewer.' },
          { group: ['@scanselect/plugin/*', '**/plugin/src/**'], message: 'Import the engine through its public surface, @scanselect/plugin.' },
        ],
      }],
    },
  },
  {
    // The viewer runs inside the prebuilt OHIF app: it reaches the server over HTTP only (the API's
    // types are the one thing it imports from server/), and OHIF, React and Cornerstone only
    // through what OHIF passes in at run time.
    files: ['viewer-extension/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: [{ name: '@scanselect/server', allowTypeImports: true, message: 'The viewer imports only the API types from the server (import type).' }],
        patterns: [
          { group: ['@scanselect/server/*', '@scanselect/plugin', '@scanselect/plugin/*', '**/server/**', '**/plugin/**'], message: 'viewer-extension/ talks to the server over HTTP; import the API types from @scanselect/server.' },
          { group: ['react', 'react-dom', 'react/*', '@ohif/*', '@cornerstonejs/*'], message: 'The OHIF app shares no packages with run-time extensions: use what OHIF passes in (src/ohif/ohifTypes.ts).' },
        ],
      }],
    },
  },
  {
    // The admin console is a browser app like the viewer: HTTP to the server, its API types only.
    files: ['admin-console/**/*.ts', 'admin-console/**/*.tsx'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'Use a seeded generator.' }],
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: [{ name: '@scanselect/server', allowTypeImports: true, message: 'The console imports only the API types from the server (import type).' }],
        patterns: [{ group: ['@scanselect/server/*', '@scanselect/plugin', '@scanselect/plugin/*', '**/server/**', '**/plugin/**', '**/viewer-extension/**'], message: 'admin-console/ talks to the server over HTTP.' }],
      }],
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', process: 'readonly', console: 'readonly', __dirname: 'readonly', Buffer: 'readonly', performance: 'readonly', AbortController: 'readonly', setTimeout: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
