// One jest run for the whole suite: unit specs beside the code, integration and e2e under test/.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true, tsx: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, react: { runtime: 'automatic' } },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];
const moduleNameMapper = {
  '^@driftwatch/reconciliation-rules$': '<rootDir>/reconciliation-rules/src/index.ts',
  '^@driftwatch/demo-estate$': '<rootDir>/infra/demo-estate/src/index.ts',
};
const node = (displayName, roots, testMatch, extra = {}) => ({
  displayName,
  rootDir: __dirname,
  roots,
  testMatch,
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j)sx?$': swc },
  moduleNameMapper,
  ...extra,
});

module.exports = {
  testTimeout: 60_000,
  projects: [
    node('rules', ['<rootDir>/reconciliation-rules'], ['**/*.spec.ts']),
    node('backend', ['<rootDir>/backend/src'], ['**/*.spec.ts']),
    node('demo-estate', ['<rootDir>/infra/demo-estate'], ['**/*.spec.ts']),
    '<rootDir>/frontend/jest.config.cjs',
    node('integration', ['<rootDir>/test/integration'], ['**/*.spec.ts'], {
      globalSetup: '<rootDir>/test/integration/global-setup.ts',
      globalTeardown: '<rootDir>/test/integration/global-teardown.ts',
    }),
    node('e2e', ['<rootDir>/test/e2e'], ['**/*.e2e.ts'], {
      globalSetup: '<rootDir>/test/integration/global-setup.ts',
      globalTeardown: '<rootDir>/test/integration/global-teardown.ts',
    }),
  ],
};
