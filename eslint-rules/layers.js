// The layer rules of docs/architecture.md as a lint rule. Every import (static, `export … from`,
// dynamic `import()`, type-only too) is resolved to a repository path and checked against the
// importing file's layer. Resolving the path, rather than matching the import string, makes the
// rule independent of how many `../` a file needs, and a new folder under a forbidden tree is
// covered without touching this file.
import path from 'node:path';
import { URL, fileURLToPath } from 'node:url';

/** The repository root (this file lives in <root>/eslint-rules/), whatever directory eslint runs in. */
const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** Repository-relative path with forward slashes. */
function repoPath(absolute) {
  return path.relative(ROOT, absolute).split(path.sep).join('/');
}

const under = (file, prefixes) => prefixes.some((p) => file === p || file.startsWith(p.endsWith('/') ? p : `${p}/`));

/** @type {import('eslint').Rule.RuleModule} */
const layers = {
  meta: {
    type: 'problem',
    docs: { description: 'Layers only import what docs/architecture.md allows them to.' },
    schema: [
      {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            name: { type: 'string' },
            files: { type: 'array', items: { type: 'string' } },
            exceptFiles: { type: 'array', items: { type: 'string' } },
            forbid: { type: 'array', items: { type: 'string' } },
            allow: { type: 'array', items: { type: 'string' } },
            packages: { type: 'array', items: { type: 'string' } },
            because: { type: 'string' },
          },
          required: ['name', 'files', 'because'],
          additionalProperties: false,
        },
      },
    ],
  },
  create(context) {
    const file = repoPath(context.filename);
    const rules = (context.options[0] ?? []).filter((r) => under(file, r.files) && !under(file, r.exceptFiles ?? []));
    if (rules.length === 0) return {};
    const check = (node, source) => {
      if (typeof source !== 'string') return;
      for (const rule of rules) {
        if (source.startsWith('.')) {
          const target = repoPath(path.resolve(path.dirname(context.filename), source));
          if (under(target, rule.forbid ?? []) && !under(target, rule.allow ?? [])) {
            context.report({ node, message: `${rule.name}: ${file} must not import ${target} (${rule.because})` });
          }
        } else {
          const pkg = source.startsWith('@') ? source.split('/').slice(0, 2).join('/') : source.split('/')[0];
          if ((rule.packages ?? []).includes(pkg)) {
            context.report({
              node,
              message: `${rule.name}: ${file} must not import the package ${pkg} (${rule.because})`,
            });
          }
        }
      }
    };
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
    };
  },
};

/**
 * SQL lives in repositories: a `.query(…)` call (the pg client's, a transaction's or the pool's) is
 * an error in every file this rule is enabled for. eslint.config.js enables it for `src` minus the
 * modules allowed to run SQL (repositories, the journal, the store, and the listed exceptions), so
 * use cases and edges call named repository functions instead.
 */
/** @type {import('eslint').Rule.RuleModule} */
const sqlInRepositories = {
  meta: {
    type: 'problem',
    docs: { description: 'Only repositories (and the store) run SQL; other modules call repository functions.' },
    schema: [],
  },
  create(context) {
    const file = repoPath(context.filename);
    return {
      CallExpression(node) {
        const callee = node.callee;
        if (callee.type !== 'MemberExpression' || callee.computed) return;
        if (callee.property.type !== 'Identifier' || callee.property.name !== 'query') return;
        context.report({
          node,
          message: `sql-in-repositories: ${file} runs SQL; move the statement into the feature's *-repository.ts and call it with the tenant-scoped transaction (docs/architecture.md, "Layers")`,
        });
      },
    };
  },
};

export default { rules: { layers, 'sql-in-repositories': sqlInRepositories } };
