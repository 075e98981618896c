// Builds the test app into dist/ (served by the collector in the test).
export default {
  logLevel: 'warn',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
};
