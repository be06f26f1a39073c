import type { Expr } from './filter.js';
import { GatewayError } from './gateway-error.js';

/**
 * The list rules of Tandem's own ZTANDEM_TASK_SRV, as its ABAP data provider applies them
 * (abap/src/zcl_tandem_task_service.clas.abap, ZCL_TANDEM_TASK_DPC_EXT; docs/s4-setup.md section 7,
 * "What the service does"), so that a query the shipped service would refuse fails here too:
 *
 * - Gateway hands the DPC a `$filter` as select options: an AND of groups, each group an OR of
 *   comparisons of one property with a literal. Anything else (functions, `not`, an OR across
 *   properties) reaches the DPC without select options, and the service answers 501.
 * - A list needs a selective group (the one-order tables are never scanned whole), else 400:
 *   TaskActivity — ActivityUUID eq…, ActivityExternalReference eq… or LastChangeDateTime ge/gt;
 *   TaskActivityPartner — ActivityUUID eq… or exactly one BusinessPartner eq;
 *   TaskActivityText — ActivityUUID eq….
 * - Without any `$filter`, `$top` (plus `$skip` for tasks) must be 1 to 100.
 *
 * Lists through a navigation (TaskActivity(guid'…')/to_Partner) are not restricted.
 */
export const TASK_SERVICE_SETS = new Set(['TaskActivity', 'TaskActivityPartner', 'TaskActivityText']);
export const MAX_UNFILTERED = 100;

/** The error code SAP Gateway reports for an exception the data provider raised (/IWBEP/CX_MGW_BUSI_EXCEPTION). */
const BUSINESS_ERROR = '/IWBEP/CX_MGW_BUSI_EXCEPTION';
const COMPARISON = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);

interface Group {
  property: string;
  ops: string[];
}

export function checkTaskServiceList(set: string, filter: Expr | undefined, top?: number, skip = 0): void {
  if (!TASK_SERVICE_SETS.has(set)) return;
  if (!filter) {
    const count = (top ?? 0) + (set === 'TaskActivity' ? skip : 0);
    if (top === undefined || count < 1 || count > MAX_UNFILTERED)
      throw new GatewayError(400, BUSINESS_ERROR, `${set} without $filter: give $top (at most ${MAX_UNFILTERED})`);
    return;
  }
  const groups = selectOptions(filter);
  if (!groups)
    throw new GatewayError(
      501,
      BUSINESS_ERROR,
      `This $filter on ${set} cannot be evaluated (not expressible as select options)`,
    );
  if (!isSelective(set, groups)) throw new GatewayError(400, BUSINESS_ERROR, SELECTIVE[set] as string);
}

const SELECTIVE: Record<string, string> = {
  TaskActivity: 'Filter TaskActivity by ActivityUUID, ActivityExternalReference (eq) or LastChangeDateTime (ge)',
  TaskActivityPartner: 'Filter TaskActivityPartner by one BusinessPartner (eq) or by ActivityUUID',
  TaskActivityText: "Filter TaskActivityText by ActivityUUID (eq), or read TaskActivity(guid'…')/to_Text",
};

function isSelective(set: string, groups: Group[]): boolean {
  const onlyEq = (name: string): boolean =>
    groups.some((g) => g.property === name) &&
    groups.filter((g) => g.property === name).every((g) => g.ops.every((op) => op === 'eq'));
  if (onlyEq('ActivityUUID')) return true;
  if (set === 'TaskActivity')
    return (
      onlyEq('ActivityExternalReference') ||
      groups.some((g) => g.property === 'LastChangeDateTime' && g.ops.some((op) => op === 'ge' || op === 'gt'))
    );
  if (set === 'TaskActivityPartner') {
    const partner = groups.filter((g) => g.property === 'BusinessPartner');
    return onlyEq('BusinessPartner') && partner.reduce((n, g) => n + g.ops.length, 0) === 1;
  }
  return false;
}

/** The filter as Gateway's select options (AND of single-property OR groups), or undefined if it is not one. */
export function selectOptions(filter: Expr): Group[] | undefined {
  const conjuncts: Expr[] = [];
  const collectAnd = (e: Expr): void => {
    if (e.kind === 'binary' && e.op === 'and') {
      collectAnd(e.left);
      collectAnd(e.right);
    } else conjuncts.push(e);
  };
  collectAnd(filter);
  const groups: Group[] = [];
  for (const conjunct of conjuncts) {
    const comparisons: { property: string; op: string }[] = [];
    const collectOr = (e: Expr): boolean => {
      if (e.kind === 'binary' && e.op === 'or') return collectOr(e.left) && collectOr(e.right);
      if (e.kind === 'binary' && COMPARISON.has(e.op) && e.left.kind === 'prop' && e.right.kind === 'literal') {
        comparisons.push({ property: e.left.name, op: e.op });
        return true;
      }
      return false;
    };
    if (!collectOr(conjunct)) return undefined;
    const properties = new Set(comparisons.map((c) => c.property));
    if (properties.size !== 1) return undefined;
    groups.push({ property: comparisons[0]!.property, ops: comparisons.map((c) => c.op) });
  }
  return groups;
}
