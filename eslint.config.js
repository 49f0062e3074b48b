import tseslint from 'typescript-eslint';

/**
 * Who may import whom (docs/architecture.md). Each layer names the layers it must not reach;
 * type-only imports are allowed where a layer only needs to name another's shapes.
 */
const layer = (...groups) => ({
  'no-restricted-imports': [
    'error',
    {
      patterns: groups.map(([group, message, allowTypeImports = false]) => ({
        group,
        message,
        allowTypeImports,
      })),
    },
  ],
});
const HTTP = [['**/http/*', '**/routes/*', '**/routes/**'], 'HTTP belongs to http/ and routes/'];
const FASTIFY = [['fastify', '@fastify/*'], 'Fastify belongs to http/ and routes/', true];
const SERVICES = [['**/services/*'], 'services/ are called by routes, not by what they call'];

export default tseslint.config(
  { ignores: ['node_modules/', 'src/generated/', 'openapi/', 'dist/'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // One transaction mechanism: stores.inTransaction (docs/architecture.md).
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[property.name='$transaction']",
          message: 'use stores.inTransaction (store/transaction.ts), the one transaction handle',
        },
      ],
    },
  },
  {
    files: ['src/store/**/*.ts'],
    rules: layer(HTTP, FASTIFY, SERVICES, [
      ['**/delivery/*', '**/delivery/**'],
      'stores persist; the delivery path calls them',
    ]),
  },
  { files: ['src/delivery/**/*.ts'], rules: layer(HTTP, FASTIFY, SERVICES) },
  { files: ['src/services/**/*.ts'], rules: layer(HTTP, FASTIFY) },
  // Entry points beside the API (BullMQ consumers): they reach the same rules, never HTTP.
  {
    files: ['src/intake/**/*.ts', 'src/housekeeping/**/*.ts'],
    rules: layer(HTTP, FASTIFY, SERVICES),
  },
  // Schemas and their compiled validators serve routes and the intake alike.
  { files: ['src/schemas/**/*.ts', 'src/domain/**/*.ts'], rules: layer(HTTP, FASTIFY, SERVICES) },
  {
    // Routes are schema → service → envelope; rows reach them as types, shaped by views/.
    files: ['src/routes/*.ts'],
    rules: layer([
      ['**/store/*'],
      'routes call services; only views/ shape rows (type imports are fine)',
      true,
    ]),
  },
);
