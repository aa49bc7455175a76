import { searchParamsOf, servedType, type SearchParam } from '@swiftacare/fhir';

/** The SQL table of a resource type's current versions: `PractitionerRole` → `practitioner_role`. */
export function tableOf(type: string): string {
  return type.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

/** The table holding every version of a resource type. */
export function historyTableOf(type: string): string {
  return `${tableOf(type)}_history`;
}

/** The columns that index one search parameter. */
export function columnsOf(param: SearchParam): string[] {
  return param.type === 'date' ? [`${param.column}_lo`, `${param.column}_hi`] : [param.column];
}

/** Whether the type's table is partitioned by month, and by which date parameter. */
export function partitionParamOf(type: string): SearchParam | undefined {
  const code = servedType(type)?.partitionBy;
  return code === undefined ? undefined : searchParamsOf(type).get(code);
}

/** The role every query runs as, so row-level security applies even to a superuser login. */
export const appRole = 'swiftacare_app';
