import { child, childText, children, esc, type XNode } from '../xml.js';
import type { Folder, Mailbox } from '../store.js';
import { ItemError, operationResponse } from '../soap.js';
import { folderIdsIn, resolveFolder, type OpContext } from '../context.js';
import { perItem } from './items.js';

/** Folder element name by folder class ("Folders" element of the EWS reference). */
function folderElement(cls: string): string {
  if (cls.startsWith('IPF.Appointment')) return 'CalendarFolder';
  if (cls.startsWith('IPF.Contact')) return 'ContactsFolder';
  if (cls.startsWith('IPF.Task')) return 'TasksFolder';
  return 'Folder';
}

function renderFolder(mbx: Mailbox, f: Folder, base: string): string {
  const el = folderElement(f.folderClass);
  const parts = [`<t:FolderId Id="${f.id}" ChangeKey="${f.changeKey}"/>`];
  if (base !== 'IdOnly') {
    const total = [...mbx.items.values()].filter((i) => i.folderId === f.id).length;
    const childCount = [...mbx.folders.values()].filter((c) => c.parentId === f.id).length;
    if (base === 'AllProperties' && f.parentId) {
      const parent = mbx.folders.get(f.parentId);
      parts.push(`<t:ParentFolderId Id="${f.parentId}" ChangeKey="${parent?.changeKey ?? ''}"/>`);
    }
    if (base === 'AllProperties') parts.push(`<t:FolderClass>${esc(f.folderClass)}</t:FolderClass>`);
    parts.push(
      `<t:DisplayName>${esc(f.displayName)}</t:DisplayName>`,
      `<t:TotalCount>${total}</t:TotalCount>`,
      `<t:ChildFolderCount>${childCount}</t:ChildFolderCount>`,
    );
    if (el === 'Folder') parts.push('<t:UnreadCount>0</t:UnreadCount>');
  }
  return `<t:${el}>${parts.join('')}</t:${el}>`;
}

export function getFolder(ctx: OpContext): string {
  const base = childText(child(ctx.op, 'FolderShape'), 'BaseShape') ?? 'Default';
  const messages = folderIdsIn(child(ctx.op, 'FolderIds')).map((fid) =>
    perItem('GetFolder', () => {
      const { mbx, folder } = resolveFolder(ctx, fid);
      return `<m:Folders>${renderFolder(mbx, folder, base)}</m:Folders>`;
    }),
  );
  return operationResponse('GetFolder', messages.join(''));
}

function folderMatches(f: Folder, expr: XNode): boolean {
  switch (expr.name) {
    case 'And':
      return expr.children.every((c) => folderMatches(f, c));
    case 'Or':
      return expr.children.some((c) => folderMatches(f, c));
    case 'Not':
      return !expr.children.every((c) => folderMatches(f, c));
    default: {
      const uri = child(expr, 'FieldURI')?.attrs.FieldURI;
      const value =
        uri === 'folder:DisplayName' ? f.displayName : uri === 'folder:FolderClass' ? f.folderClass : undefined;
      const constant =
        (child(expr, 'Constant') ?? child(child(expr, 'FieldURIOrConstant'), 'Constant'))?.attrs.Value ?? '';
      if (value === undefined)
        throw new ItemError('ErrorUnsupportedPathForQuery', `Unsupported folder restriction property ${uri ?? '?'}.`);
      if (expr.name === 'IsEqualTo') return value.toLowerCase() === constant.toLowerCase();
      if (expr.name === 'IsNotEqualTo') return value.toLowerCase() !== constant.toLowerCase();
      if (expr.name === 'Contains') return value.toLowerCase().includes(constant.toLowerCase());
      if (expr.name === 'Exists') return true;
      throw new ItemError('ErrorInvalidRestriction', `Unsupported folder restriction ${expr.name}.`);
    }
  }
}

export function findFolder(ctx: OpContext): string {
  const op = ctx.op;
  const base = childText(child(op, 'FolderShape'), 'BaseShape') ?? 'Default';
  const deep = op.attrs.Traversal === 'Deep';
  const messages = folderIdsIn(child(op, 'ParentFolderIds')).map((fid) =>
    perItem('FindFolder', () => {
      const { mbx, folder } = resolveFolder(ctx, fid);
      const found: Folder[] = [];
      const walk = (parentId: string): void => {
        for (const f of mbx.folders.values()) {
          if (f.parentId !== parentId) continue;
          found.push(f);
          if (deep) walk(f.id);
        }
      };
      walk(folder.id);
      const expr = child(op, 'Restriction')?.children[0];
      const list = expr ? found.filter((f) => folderMatches(f, expr)) : found;
      const paging = child(op, 'IndexedPageFolderView');
      const offset = Number(paging?.attrs.Offset ?? '0');
      const max = Number(paging?.attrs.MaxEntriesReturned ?? list.length);
      const page = paging ? list.slice(offset, offset + max) : list;
      const last = !paging || offset + page.length >= list.length;
      const pagingAttr = paging ? ` IndexedPagingOffset="${offset + page.length}"` : '';
      return `<m:RootFolder${pagingAttr} TotalItemsInView="${list.length}" IncludesLastItemInRange="${last}"><t:Folders>${page.map((f) => renderFolder(mbx, f, base)).join('')}</t:Folders></m:RootFolder>`;
    }),
  );
  return operationResponse('FindFolder', messages.join(''));
}

const CLASS_OF: Record<string, string> = {
  CalendarFolder: 'IPF.Appointment',
  ContactsFolder: 'IPF.Contact',
  TasksFolder: 'IPF.Task',
  Folder: 'IPF.Note',
  SearchFolder: 'IPF.Note',
};

export function createFolder(ctx: OpContext): string {
  const parent = folderIdsIn(child(ctx.op, 'ParentFolderId'))[0];
  const messages = children(child(ctx.op, 'Folders')).map((node) =>
    perItem('CreateFolder', () => {
      const { mbx, folder: parentFolder } = resolveFolder(ctx, parent);
      const name = childText(node, 'DisplayName');
      if (!name) throw new ItemError('ErrorInvalidFolderId', 'A folder needs a DisplayName.');
      const exists = [...mbx.folders.values()].some(
        (f) => f.parentId === parentFolder.id && f.displayName.toLowerCase() === name.toLowerCase(),
      );
      if (exists) throw new ItemError('ErrorFolderExists', 'A folder with the specified name already exists.');
      const cls = childText(node, 'FolderClass') ?? CLASS_OF[node.name] ?? 'IPF.Note';
      const f = ctx.store.createFolder(mbx, parentFolder.id, name, cls);
      return `<m:Folders><t:${folderElement(cls)}><t:FolderId Id="${f.id}" ChangeKey="${f.changeKey}"/></t:${folderElement(cls)}></m:Folders>`;
    }),
  );
  return operationResponse('CreateFolder', messages.join(''));
}
