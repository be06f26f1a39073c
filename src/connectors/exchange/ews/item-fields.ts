/* eslint-disable @typescript-eslint/no-explicit-any -- ews-javascript-api's property bags are loosely typed; this file is the boundary. */
import { escapeXml as x } from './xml-escape.js';
import type { Importance as DomainImportance, ItemBody, Sensitivity as DomainSensitivity } from '../types.js';
import { BodyType, Importance, MessageBody, Sensitivity, StringList } from './ews-lib.js';

/** Field conversions shared by the three item kinds. */

const SENSITIVITIES: DomainSensitivity[] = ['normal', 'personal', 'private', 'confidential'];
const IMPORTANCES: DomainImportance[] = ['low', 'normal', 'high'];

/** Reads a property that may not have been loaded, without the library's "property not loaded" throw. */
export function safe<T>(read: () => T): T | undefined {
  try {
    const value = read();
    return value === null ? undefined : value;
  } catch {
    return undefined;
  }
}

export function bodyFromEws(item: any): ItemBody {
  const body = safe(() => item.Body);
  if (!body) return { type: 'text', content: '' };
  return { type: body.BodyType === BodyType.HTML ? 'html' : 'text', content: body.Text ?? '' };
}

export function bodyToEws(body: ItemBody): any {
  return new MessageBody(body.type === 'html' ? BodyType.HTML : BodyType.Text, x(body.content));
}

export function sensitivityFromEws(value: unknown): DomainSensitivity {
  return SENSITIVITIES[Number(value)] ?? 'normal';
}

export function sensitivityToEws(value: DomainSensitivity): number {
  return Sensitivity[(value.charAt(0).toUpperCase() + value.slice(1)) as keyof typeof Sensitivity] as number;
}

export function importanceFromEws(value: unknown): DomainImportance {
  return IMPORTANCES[Number(value)] ?? 'normal';
}

export function importanceToEws(value: DomainImportance): number {
  return Importance[(value.charAt(0).toUpperCase() + value.slice(1)) as keyof typeof Importance] as number;
}

export function categoriesFromEws(item: any): string[] {
  const list = safe(() => item.Categories);
  if (!list) return [];
  return typeof list.GetEnumerator === 'function' ? [...list.GetEnumerator()] : [];
}

export function categoriesToEws(categories: string[]): any {
  return new StringList(categories.map(x));
}

export function idOf(item: any): { id: string; changeKey: string } {
  return { id: item.Id.UniqueId, changeKey: item.Id.ChangeKey ?? '' };
}

export function lastModifiedOf(item: any): string {
  const value = safe(() => item.LastModifiedTime);
  return value ? new Date(value.TotalMilliSeconds).toISOString() : new Date(0).toISOString();
}
