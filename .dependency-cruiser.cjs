/**
 * The layers of docs/ARCHITECTURE.md, as rules: imports only point down the pipeline
 * (validate -> gather evidence -> score -> decide -> persist/audit), and nothing imports in a circle.
 *
 *   entry points   adapters/ cli/ testing/ backtest/ simulate/ integrations/ observability/ index.ts
 *   guard          guard/ (wires the layers below)
 *   layers         core/ (pure) · evidence/ · persist/ · audit/
 *   base           validate/ · util/ · types/ · errors/ · locale/ · reasons.ts
 */
const BASE = '^src/(validate|util|types|errors|locale)/|^src/reasons\\.ts$';
const LAYERS = '^src/(core|evidence|persist|audit)/';
const ABOVE_LAYERS = '^src/(guard|adapters|cli|testing|backtest|simulate|integrations|observability)/|^src/index\\.ts$';
const ENTRY_POINTS = '^src/(adapters|cli|testing|backtest|simulate|integrations|observability)/|^src/index\\.ts$';

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'An import cycle ties two modules into one.', from: { path: '^src/' }, to: { circular: true } },
    {
      name: 'base-points-nowhere-up',
      severity: 'error',
      comment: 'validate, util, types, errors, the message catalogue and the reason registry sit under everything.',
      from: { path: BASE },
      to: { path: `${LAYERS}|${ABOVE_LAYERS}` },
    },
    { name: 'layers-do-not-reach-the-guard', severity: 'error', comment: 'core, evidence, persist and audit never import the guard or an entry point.', from: { path: LAYERS }, to: { path: ABOVE_LAYERS } },
    {
      name: 'core-is-pure',
      severity: 'error',
      comment: 'The scoring core does no I/O: it imports no evidence, store or audit code, and no Node built-in.',
      from: { path: '^src/core/' },
      to: { path: '^src/(evidence|persist|audit)/|^node:|^(fs|net|http|https|crypto|child_process|worker_threads)$', dependencyTypesNot: ['type-only'] },
    },
    { name: 'core-imports-no-store-or-evidence-types', severity: 'error', comment: 'Types the core reads live in types/.', from: { path: '^src/core/' }, to: { path: '^src/(evidence|persist|audit)/' } },
    { name: 'guard-does-not-reach-entry-points', severity: 'error', from: { path: '^src/guard/' }, to: { path: ENTRY_POINTS } },
    { name: 'backtest-does-not-need-the-simulator', severity: 'error', comment: "A user's backtest must not depend on the simulator.", from: { path: '^src/backtest/' }, to: { path: '^src/simulate/' } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.js'] },
  },
};
