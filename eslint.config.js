// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * A shortcoming needs an owner: a to-do mark must carry an issue number, `(#42)` (STYLE.md §11).
 * @type {import('eslint').Rule.RuleModule}
 */
const noBareTodo = {
  meta: {
    type: 'suggestion',
    schema: [],
    messages: { bare: 'Mark `{{mark}}` needs an issue: write `{{mark}}(#N): ...`' },
  },
  create(context) {
    return {
      Program() {
        for (const comment of context.sourceCode.getAllComments()) {
          const match = /\b(TODO|FIXME|XXX)\b(?!\(#\d+\))/.exec(comment.value);
          if (match)
            context.report({
              loc: comment.loc ?? { line: 1, column: 0 },
              messageId: 'bare',
              data: { mark: match[1] ?? '' },
            });
        }
      },
    };
  },
};

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '.flysim/**', 'reports/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: { allowDefaultProject: ['eslint.config.js'] } },
    },
    plugins: { flysim: { rules: { 'no-bare-todo': noBareTodo } } },
    rules: {
      'flysim/no-bare-todo': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // Interface methods are async by contract even where one implementation has nothing to await.
      '@typescript-eslint/require-await': 'off',
      'no-empty': ['error', { allowEmptyCatch: false }],
      'no-console': 'error',
    },
  },
  {
    // The edges print: the CLI, the service's entry points, scripts and benchmarks.
    files: [
      'simulator/cli/**',
      'simulator/bin/**',
      'service/src/bin/**',
      'scripts/**',
      '**/bench/**',
    ],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
