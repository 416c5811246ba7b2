import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';

const SERVICES = ['api', 'cli', 'compress', 'restore', 'upload-verify', 'gallery-archive', 'migration'];

/** A service may import shared and itself, never another service (what two services share lives in shared). */
const serviceBoundaries = SERVICES.map((svc) => ({
  files: [`services/${svc}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            group: SERVICES.filter((s) => s !== svc).flatMap((s) => [
              `**/services/${s}/**`,
              `**/${s}/src/**`,
              `@arkive/${s}`,
              `@arkive/${s}/**`,
            ]),
            message: 'A service never imports another service; move what both need to shared/.',
          },
          { group: ['**/web/**', '@arkive/web'], message: 'Services never import the web app.' },
          {
            group: ['@arkive/shared/dist/**', '@arkive/shared/src/**'],
            message: 'Import @arkive/shared or a subpath it exports, never its files.',
          },
        ],
      },
    ],
  },
}));

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/.next/**',
      '**/node_modules/**',
      'shared/src/generated/**',
      '**/*.js',
      '**/*.mjs',
      'web/next-env.d.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['prisma/prisma.config.ts', 'infra/launcher/*.test.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.tsx', '.js', '.json'] })],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
      'import-x/extensions': ['.ts', '.tsx', '.js'],
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // No import cycles: a module graph a reader can follow from the top down.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  ...serviceBoundaries,
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '**/services/**',
                '@arkive/api',
                '@arkive/cli',
                '@arkive/compress',
                '@arkive/restore',
                '@arkive/upload-verify',
                '@arkive/gallery-archive',
                '@arkive/migration',
              ],
              message: 'shared/ holds contracts and common machinery; it never imports a service.',
            },
            { group: ['**/web/**', '@arkive/web'], message: 'shared/ never imports the web app.' },
          ],
        },
      ],
    },
  },
  {
    // The browser-safe contracts: no Node built-ins, no database or Redis clients, nothing outside contracts/.
    files: ['shared/src/contracts/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^node:', message: 'contracts/ is loaded by browsers: no Node built-ins.' },
            {
              group: ['ioredis', 'bullmq', 'pg', '@prisma/*', 'pino', '@aws-sdk/*'],
              message: 'contracts/ is loaded by browsers.',
            },
            { regex: '^\\.\\./', message: 'contracts/ imports only itself (and zod).' },
          ],
        },
      ],
    },
  },
  {
    files: ['web/**/*.ts', 'web/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '**/services/**',
                '@arkive/api',
                '@arkive/cli',
                '@arkive/compress',
                '@arkive/restore',
                '@arkive/upload-verify',
                '@arkive/gallery-archive',
              ],
              message: 'The web app never imports a service; it talks to the API.',
            },
            {
              regex: '(^@arkive/shared/(dist|src)/|(^|/)shared/src/(?!test-support/))',
              message:
                'Import @arkive/shared or @arkive/shared/contracts, never its files (tests may use its test-support).',
            },
          ],
        },
      ],
    },
  },
  {
    // Pages and components run in the browser: only the browser-safe contracts of the shared package.
    files: [
      'web/app/**/*.tsx',
      'web/app/**/*.ts',
      'web/components/**/*.tsx',
      'web/lib/**/*.ts',
      'web/lib/**/*.tsx',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@arkive/shared',
              message: 'Browser code imports @arkive/shared/contracts (the browser-safe subpath).',
            },
          ],
          patterns: [
            {
              group: ['**/services/**'],
              message: 'The web app never imports a service; it talks to the API.',
            },
            {
              group: ['@arkive/shared/dist/**', '@arkive/shared/src/**', '**/shared/src/**'],
              message: 'Import @arkive/shared/contracts, never its files.',
            },
          ],
        },
      ],
    },
  },
);
